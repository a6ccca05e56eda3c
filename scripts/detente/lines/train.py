"""Train the line model from folders of labelled pages. Deterministic: the same data and seed give the same bytes."""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm  # training only: the package imports pandas and scikit-learn (about a second); prediction uses booster.py
import numpy as np

from detente.errors import InputError
from detente.io import check_writable_file, write_bytes_atomically
from detente.lines.features import (
    CONTEXT_NAMES,
    FEATURE_NAMES,
    context_features,
    page_features,
    page_words,
)
from detente.lines.model import MODEL_FORMAT, STAGES, Member, ensemble_probabilities
from detente.lines.pages import LabelledPage, read_labelled_pages


@dataclass(frozen=True)
class TrainingSettings:
    seed: int = 1  # member k trains with seed + k
    # Rounds and learning rate: the best of seven settings (100-300 rounds, rate 0.07-0.15, 15 or 31 leaves) by
    # the F1 of held-out sites on the training data's article pages, without dev/ labels, compared with 0.8.0's
    # one-member training (scripts/benchmark.py --compare-settings at commit 21aa982; README, Benchmark).
    rounds: int = 150
    folds: int = 5  # stage 1 is cross-fitted over these (by site) so stage 2 learns from honest probabilities
    # Three members with seeds seed, seed + 1, seed + 2; each tree sees a random 80% of the rows and of the
    # features. Alone, the members of the packaged model score 0.842-0.855 on dev/; averaged, better (README).
    members: int = 3
    params: dict[str, Any] = field(default_factory=lambda: {
        "objective": "binary", "learning_rate": 0.12, "num_leaves": 31, "min_data_in_leaf": 50,
        "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.8,
    })


THRESHOLDS = [round(0.3 + 0.01 * k, 2) for k in range(51)]  # 0.30 ... 0.80


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The threshold of THRESHOLDS with the best line F1 (the lowest among equals), and that F1."""
    best = (0.5, -1.0)
    positives = float(y.sum())
    for threshold in THRESHOLDS:
        kept = p >= threshold
        tp = float((kept & (y == 1)).sum())
        f1 = 2 * tp / (kept.sum() + positives) if kept.sum() + positives else 0.0
        if f1 > best[1] + 1e-12:
            best = (threshold, f1)
    return best


def data_digest(pages: list[LabelledPage]) -> str:
    """SHA-256 over every page's id, site, type, lines and labels, in order: names the training data exactly."""
    digest = hashlib.sha256()
    for page in pages:
        digest.update(json.dumps([page.page_id, page.site, page.page_type, page.lines, page.content], ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def fold_of(page: LabelledPage, folds: int, salt: str = "") -> int:
    """Pages of one site share a fold, so the cross-fitted probabilities are those of an unseen site. A salt
    gives another assignment (an outer cross-validation must not coincide with training's inner folds)."""
    return zlib.crc32((salt + (page.site or page.page_id)).encode("utf-8")) % folds


def _train(params: dict[str, Any], x: np.ndarray, y: np.ndarray, rounds: int, names: tuple[str, ...]) -> Any:
    dataset = lightgbm.Dataset(x, y, feature_name=list(names), free_raw_data=True)
    return lightgbm.train(params, dataset, num_boost_round=rounds)


@dataclass(frozen=True)
class PageMatrices:
    """The non-blank lines of a list of pages as rows (blank lines are never content and never scored):
    stage-1 features, gold, page index and fold of each row, and each page's texts."""

    x: np.ndarray
    y: np.ndarray
    page_of_row: np.ndarray
    fold: np.ndarray
    texts: list[list[str]]

    @classmethod
    def of(cls, pages: list[LabelledPage], folds: int) -> PageMatrices:
        x, y, page_of_row, texts = [], [], [], []
        for k, page in enumerate(pages):
            stripped = [line.strip() for line in page.lines]
            features, text_mask = page_features(stripped)
            x.append(features)
            y.append(np.array(page.content, dtype=np.float64)[text_mask])
            page_of_row.append(np.full(len(features), k))
            texts.append([text for text in stripped if text])
        rows = np.concatenate(page_of_row)
        return cls(np.vstack(x), np.concatenate(y), rows, np.array([fold_of(page, folds) for page in pages])[rows], texts)

    def page_slices(self) -> list[slice]:
        starts = np.concatenate([[0], np.cumsum([len(texts) for texts in self.texts])]).tolist()
        return [slice(a, b) for a, b in zip(starts[:-1], starts[1:])]


def _context(rows: PageMatrices, p: np.ndarray) -> np.ndarray:
    """Stage-2 rows of every page, from stage-1 probabilities `p` (one per row)."""
    return np.vstack([context_features(rows.x[part], p[part], texts) for part, texts in zip(rows.page_slices(), rows.texts)])


def _cross_fit(params: dict[str, Any], x: np.ndarray, rows: PageMatrices, folds: int, rounds: int, names: tuple[str, ...]) -> np.ndarray:
    """Each row's probability from a model trained without its fold (its site)."""
    predicted = np.zeros(len(rows.y))
    for k in range(folds):
        held_out = rows.fold == k
        if held_out.all() or not held_out.any():
            raise InputError("--data", f"fold {k} of {folds} holds {'every' if held_out.all() else 'no'} page: "
                             f"cross-fitting needs pages from at least {folds} sites spread over the folds")
        booster = _train(params, x[~held_out], rows.y[~held_out], rounds, names)
        predicted[held_out] = booster.predict(x[held_out], num_threads=1)
    return predicted


def _probabilities(members: list[Member], pages: list[LabelledPage]) -> tuple[np.ndarray, np.ndarray]:
    """(gold, probability) of every non-blank line of `pages`, as the cleaner computes them."""
    rows = PageMatrices.of(pages, 1)
    p = np.concatenate([ensemble_probabilities(members, rows.x[part], page_words(texts)) for part, texts in zip(rows.page_slices(), rows.texts)])
    return rows.y, p


def train_model(pages: list[LabelledPage], settings: TrainingSettings, sources: list[dict[str, Any]],
                tuning: list[LabelledPage] | None = None, tuning_source: dict[str, Any] | None = None) -> bytes:
    """The model file's bytes. `sources` (name, pages, lines, sha256 of each data folder) is recorded in it.

    Each member is trained like the others with its own seed. The threshold is chosen on `tuning` pages when
    given (the averaged probabilities' F1 on them); otherwise on held-out sites of the training data (every
    member's stage 2 cross-fitted like stage 1, then averaged), on its article pages when it says which pages
    are articles.
    """
    if settings.members < 1:
        raise InputError("--members", f"must be at least 1, got {settings.members}")
    rows = PageMatrices.of(pages, settings.folds)
    both = (*FEATURE_NAMES, *CONTEXT_NAMES)
    members: list[Member] = []
    held_out_p: np.ndarray | None = None
    for k in range(settings.members):
        params = {**settings.params, "seed": settings.seed + k, "deterministic": True, "force_row_wise": True, "num_threads": 1, "verbose": -1}
        cross_fitted = _cross_fit(params, rows.x, rows, settings.folds, settings.rounds, FEATURE_NAMES)
        stage1 = _train(params, rows.x, rows.y, settings.rounds, FEATURE_NAMES)
        context = _context(rows, cross_fitted)  # stage 2 learns from honest stage-1 probabilities
        members.append(Member(stage1, _train(params, context, rows.y, settings.rounds, both)))
        if not tuning:  # summed in member order, divided below: as ensemble_probabilities averages
            held_out = _cross_fit(params, context, rows, settings.folds, settings.rounds, both)
            held_out_p = held_out if held_out_p is None else held_out_p + held_out
        del context

    if tuning:
        y, p = _probabilities(members, tuning)
        threshold, f1 = best_threshold(y, p)
        selection = {"on": "tuning data", "data": tuning_source or {}, "lines": len(y), "f1": round(f1, 4)}
    else:
        assert held_out_p is not None
        articles = np.array([page.page_type == "article" for page in pages])[rows.page_of_row]
        scored = articles if articles.any() else np.ones(len(rows.y), dtype=bool)
        threshold, f1 = best_threshold(rows.y[scored], (held_out_p / settings.members)[scored])
        selection = {"on": "held-out sites of the training data, " + ("article pages" if articles.any() else "all pages"),
                     "lines": int(scored.sum()), "f1": round(f1, 4)}
    texts = [{stage: getattr(member, stage).model_to_string() for stage in STAGES} for member in members]
    document = {
        "format": MODEL_FORMAT,
        "feature_names": list(FEATURE_NAMES),
        "context_names": list(CONTEXT_NAMES),
        "threshold": threshold,
        "training": {
            "data": sources,
            "threshold_selection": {**selection, "grid": [THRESHOLDS[0], THRESHOLDS[-1], 0.01]},
            "seed": settings.seed, "members": settings.members, "rounds": settings.rounds, "folds": settings.folds, "params": settings.params,
            "lightgbm": lightgbm.__version__,
        },
        "members": [{**stages, "stage_sha256": {stage: _sha256(text) for stage, text in stages.items()}} for stages in texts],
    }
    return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source(folder: Path, pages: list[LabelledPage]) -> dict[str, Any]:
    return {"name": folder.name, "pages": len(pages), "lines": sum(len(p.lines) for p in pages), "sha256": data_digest(pages)}


def main_train_cleaner(data_dirs: list[str], out: str, seed: int, rounds: int, tune_dir: str | None = None, members: int = TrainingSettings.members) -> int:
    """`detente train-cleaner --data DIR... [--tune DIR] --out FILE`: train the line model and write it atomically."""
    started = time.perf_counter()
    check_writable_file(Path(out))  # before minutes of training, not after
    if rounds < 1:
        raise InputError("--rounds", f"must be at least 1, got {rounds}")
    if members < 1:
        raise InputError("--members", f"must be at least 1, got {members}")
    pages: list[LabelledPage] = []
    sources = []
    for name in data_dirs:
        found = read_labelled_pages(Path(name))
        pages += found
        sources.append(_source(Path(name), found))
        print(f"{name}: {len(found)} pages, {sources[-1]['lines']} lines, {sum(sum(p.content) for p in found)} content")
    tuning = read_labelled_pages(Path(tune_dir)) if tune_dir else None
    tuning_source = _source(Path(tune_dir), tuning) if tune_dir and tuning else None
    data = train_model(pages, TrainingSettings(seed=seed, rounds=rounds, members=members), sources, tuning, tuning_source)
    try:
        write_bytes_atomically(Path(out), data)
    except OSError as err:
        raise InputError(out, f"cannot write the model: {err.strerror}") from None
    document = json.loads(data)
    selection = document["training"]["threshold_selection"]
    print(f"{out}: {len(data) / 1e6:.2f} MB, threshold {document['threshold']} (line F1 {selection['f1']} on {selection['on']}), "
          f"sha256 {hashlib.sha256(data).hexdigest()}, trained in {time.perf_counter() - started:.0f} s")
    return 0
