"""Train the line model from folders of labelled pages. Deterministic: the same data and seed give the same bytes."""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.lines.features import CONTEXT_NAMES, FEATURE_NAMES, context_features, page_features
from detente.lines.model import MODEL_FORMAT
from detente.lines.pages import LabelledPage


@dataclass(frozen=True)
class TrainingSettings:
    seed: int = 13
    rounds: int = 200
    folds: int = 5  # stage 1 is cross-fitted over these (by site) so stage 2 learns from honest probabilities
    params: dict[str, Any] = field(default_factory=lambda: {
        "objective": "binary", "learning_rate": 0.1, "num_leaves": 31, "min_data_in_leaf": 50,
        "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
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


def fold_of(page: LabelledPage, folds: int) -> int:
    """Pages of one site share a fold, so the cross-fitted probabilities are those of an unseen site."""
    return zlib.crc32((page.site or page.page_id).encode("utf-8")) % folds


def _train(params: dict[str, Any], x: np.ndarray, y: np.ndarray, rounds: int, names: tuple[str, ...]) -> Any:
    import lightgbm

    dataset = lightgbm.Dataset(x, y, feature_name=list(names), free_raw_data=True)
    return lightgbm.train(params, dataset, num_boost_round=rounds)


def train_model(pages: list[LabelledPage], settings: TrainingSettings, sources: list[dict[str, Any]]) -> bytes:
    """The model file's bytes. `sources` (name, pages, lines, sha256 of each data folder) is recorded in it."""
    import lightgbm

    params = {**settings.params, "seed": settings.seed, "deterministic": True, "force_row_wise": True, "num_threads": 1, "verbose": -1}
    matrices = [page_features([line.strip() for line in page.lines]) for page in pages]
    x = np.vstack([features for features, _ in matrices])
    blank = np.concatenate([mask for _, mask in matrices])
    y = np.concatenate([np.array(page.content, dtype=np.float64) for page in pages])
    page_of_row = np.concatenate([np.full(len(page.lines), k) for k, page in enumerate(pages)])
    fold = np.array([fold_of(page, settings.folds) for page in pages])[page_of_row]
    keep = ~blank  # blank lines are never content: nothing to learn from them

    cross_fitted = np.zeros(len(y))
    for k in range(settings.folds):
        held_out = fold == k
        booster = _train(params, x[keep & ~held_out], y[keep & ~held_out], settings.rounds, FEATURE_NAMES)
        cross_fitted[held_out] = booster.predict(x[held_out], num_threads=1)
    stage1 = _train(params, x[keep], y[keep], settings.rounds, FEATURE_NAMES)

    starts = np.concatenate([[0], np.cumsum([len(page.lines) for page in pages])])
    context = np.vstack([
        context_features(x[a:b], blank[a:b], cross_fitted[a:b], [line.strip() for line in page.lines])
        for a, b, page in zip(starts[:-1], starts[1:], pages)
    ])
    stage2 = _train(params, context[keep], y[keep], settings.rounds, (*FEATURE_NAMES, *CONTEXT_NAMES))

    # The threshold is chosen on held-out sites too: stage 2 cross-fitted like stage 1, scored on the
    # article pages (what the cleaner is for) when the data says which pages are articles.
    held_out_p = np.zeros(len(y))
    for k in range(settings.folds):
        held_out = fold == k
        booster = _train(params, context[keep & ~held_out], y[keep & ~held_out], settings.rounds, (*FEATURE_NAMES, *CONTEXT_NAMES))
        held_out_p[held_out] = booster.predict(context[held_out], num_threads=1)
    articles = np.array([page.page_type == "article" for page in pages])[page_of_row]
    scored = keep & articles if articles.any() else keep
    threshold, cv_f1 = best_threshold(y[scored], held_out_p[scored])
    document = {
        "format": MODEL_FORMAT,
        "feature_names": list(FEATURE_NAMES),
        "context_names": list(CONTEXT_NAMES),
        "threshold": threshold,
        "training": {
            "threshold_selection": {
                "pages": "article" if articles.any() else "all", "lines": int(scored.sum()),
                "cross_validated_f1": round(cv_f1, 4), "grid": [THRESHOLDS[0], THRESHOLDS[-1]],
            },
            "data": sources,
            "seed": settings.seed, "rounds": settings.rounds, "folds": settings.folds, "params": settings.params,
            "lightgbm": lightgbm.__version__,
        },
        "stage1": stage1.model_to_string(),
        "stage2": stage2.model_to_string(),
    }
    return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def main_train_cleaner(data_dirs: list[str], out: str, seed: int, rounds: int) -> int:
    """`detente train-cleaner --data DIR... --out FILE`: train the line model and write it atomically."""
    import time

    from detente.atomic import write_bytes_atomically
    from detente.lines.pages import read_labelled_pages

    started = time.perf_counter()
    pages: list[LabelledPage] = []
    sources = []
    for name in data_dirs:
        folder = Path(name)
        found = read_labelled_pages(folder)
        pages += found
        sources.append({"name": folder.name, "pages": len(found), "lines": sum(len(p.lines) for p in found), "sha256": data_digest(found)})
        print(f"{folder}: {len(found)} pages, {sources[-1]['lines']} lines, {sum(sum(p.content) for p in found)} content")
    data = train_model(pages, TrainingSettings(seed=seed, rounds=rounds), sources)
    write_bytes_atomically(Path(out), data)
    print(f"{out}: {len(data) / 1e6:.2f} MB, sha256 {hashlib.sha256(data).hexdigest()}, trained in {time.perf_counter() - started:.0f} s")
    return 0
