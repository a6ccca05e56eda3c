"""The cleaner's line model: members of two LightGBM stages each, stored as text in one JSON file, loaded without pickle.

In each member, stage 1 scores each line from FEATURE_NAMES; stage 2 rescoring adds the first stage's view
of the neighbours and of the page's best run of content (CONTEXT_NAMES). The members differ only in the
seed of their row and feature subsampling; their second-stage probabilities are averaged, and a line is
content when the average reaches `threshold`.

The trees run on LightGBM's library, or, for the packaged model once `detente compile-line-model` has compiled
it (`make env` does), on the same trees as native code (compiled.py): the same probabilities, faster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from detente.errors import InputError
from detente.lines.booster import BoosterError, TextBooster
from detente.lines.compiled import load_library
from detente.lines.features import (
    CONTEXT_NAMES,
    FEATURE_NAMES,
    PageWords,
    context_features,
    context_rows,
    page_features_and_words,
)

MODEL_FORMAT = "detente-line-model/2"  # "members"; a /1 file (one member, its stages at the top level) is read too
OLD_FORMAT = "detente-line-model/1"
STAGES = ("stage1", "stage2")
DEFAULT_MODEL = "line_model.json"  # package data of detente.lines
PACKAGED_MODEL = Path(__file__).with_name(DEFAULT_MODEL)
COMPILED_MODEL = Path(__file__).with_name("line_model.so")  # the packaged model compiled (`detente compile-line-model`)
WIDTHS = (len(FEATURE_NAMES), len(FEATURE_NAMES) + len(CONTEXT_NAMES))  # features per row of stage 1 and stage 2


class Stage(Protocol):
    num_features: int

    def predict(self, rows: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Member:
    stage1: Stage
    stage2: Stage


@dataclass(frozen=True)
class LineModel:
    members: tuple[Member, ...]
    threshold: float
    sha256: str  # of the model file's bytes: names the model in releases and crawl outputs
    training: dict[str, Any]
    predictor: str = "LightGBM"  # what runs the trees: "LightGBM" or "compiled" (same probabilities)

    @property
    def model_id(self) -> str:
        return f"line-model-{self.sha256[:12]}"

    def content_probabilities(self, stripped_lines: list[str]) -> np.ndarray:
        """P(content) of every line of a page; blank lines are never content (0)."""
        features, text_mask, words = page_features_and_words(stripped_lines)
        probabilities = np.zeros(len(stripped_lines))
        probabilities[text_mask] = ensemble_probabilities(self.members, features, words)
        return probabilities

    def is_content(self, stripped_lines: list[str]) -> list[bool]:
        return (self.content_probabilities(stripped_lines) >= self.threshold).tolist()


def two_stage_probabilities(stage1: Stage, stage2: Stage, features: np.ndarray, texts: list[str]) -> np.ndarray:
    """Both stages on a page's non-blank lines (`features` as page_features returns them, `texts` those lines)."""
    if len(texts) == 0:
        return np.zeros(0)
    first = stage1.predict(features)
    return stage2.predict(context_features(features, first, texts))


def ensemble_probabilities(members: Sequence[Member], features: np.ndarray, words: PageWords) -> np.ndarray:
    """The members' two-stage probabilities averaged: summed in member order, then divided (one member: its own),
    for a page's non-blank lines (`features` as page_features returns them, `words` their page_words). Each
    member's result is two_stage_probabilities'; the second stages' rows are computed for all members at once."""
    if len(features) == 0:
        return np.zeros(0)
    first = np.stack([member.stage1.predict(features) for member in members])
    rows = context_rows(features, first, words)
    total = members[0].stage2.predict(rows[0])
    for member, member_rows in zip(members[1:], rows[1:]):
        total = total + member.stage2.predict(member_rows)
    return total / len(members)


def parse_model(data: bytes, where: str, compiled: Path | None = None) -> LineModel:
    """Check and load a model file's bytes; anything wrong is an InputError naming `where`. With `compiled`, the
    trees run from that library when it was compiled from exactly these bytes (else on LightGBM)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(where, f"not a line model (invalid JSON: {err})") from None
    if not isinstance(document, dict) or document.get("format") not in (MODEL_FORMAT, OLD_FORMAT):
        raise InputError(where, f"not a line model: expected \"format\": \"{MODEL_FORMAT}\"")
    for key, names in (("feature_names", list(FEATURE_NAMES)), ("context_names", list(CONTEXT_NAMES))):
        if document.get(key) != names:
            raise InputError(where, f"{key} differ from this version's features: retrain the model with `detente train-cleaner`")
    threshold = document.get("threshold")
    if not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise InputError(where, f"threshold must be a number between 0 and 1, got {threshold!r}")
    if not isinstance(document.get("training", {}), dict):
        raise InputError(where, "training must be an object (how the model was trained)")
    texts = stage_texts(document, where)
    sha256 = hashlib.sha256(data).hexdigest()
    training = document.get("training", {})
    widths = WIDTHS * (len(texts) // len(STAGES))
    stages: tuple[Stage, ...] | None = load_library(compiled, sha256, widths) if compiled is not None else None
    predictor = "compiled"
    if stages is None:  # no library compiled from these very bytes (which LightGBM accepted when they were compiled)
        predictor = "LightGBM"
        boosters: list[Stage] = []
        for (name, text), width in zip(texts.items(), widths):
            try:
                booster = TextBooster(text)  # LightGBM's own text format: parsed, never executed
            except BoosterError as err:
                raise InputError(where, f"{name} is a corrupt LightGBM model: {str(err).splitlines()[0] if str(err) else 'refused'}") from None
            if booster.num_features != width:
                raise InputError(where, f"{name} expects {booster.num_features} features, this version computes {width}")
            boosters.append(booster)
        stages = tuple(boosters)
    members = tuple(Member(stages[k], stages[k + 1]) for k in range(0, len(stages), len(STAGES)))
    return LineModel(members, float(threshold), sha256, training, predictor)


def stage_texts(document: dict[str, Any], where: str) -> dict[str, str]:
    """The LightGBM text of every stage, each checked against its recorded SHA-256, in load order (member 0's
    stage1 and stage2, member 1's, ...), keyed by how the file names it: "stage1" in a /1 file (one member, its
    stages at the top level), "members[k].stage1" in a /2 file. Errors use the same names."""
    if document.get("format") == OLD_FORMAT:
        entries: list[tuple[str, Any]] = [("", document)]
    else:
        members = document.get("members")
        if not isinstance(members, list) or not members or not all(isinstance(entry, dict) for entry in members):
            raise InputError(where, "members must be a non-empty list of objects, each with stage1, stage2 and stage_sha256")
        entries = [(f"members[{k}].", entry) for k, entry in enumerate(members)]
    texts = {}
    for prefix, entry in entries:
        digests = entry.get("stage_sha256")
        for stage in STAGES:
            name, text = prefix + stage, entry.get(stage)
            if not isinstance(text, str) or not text.startswith("tree\n"):
                raise InputError(where, f"{name} is not a LightGBM text model")
            # LightGBM aborts the whole process on some malformed trees. The hash catches a damaged or hand-edited
            # file, not a deliberately forged one: a model file is code-like input, load only models you trust.
            if not isinstance(digests, dict) or digests.get(stage) != hashlib.sha256(text.encode("utf-8")).hexdigest():
                raise InputError(where, f"{name} does not match its recorded SHA-256 (stage_sha256): the file was changed or damaged")
            texts[name] = text
    return texts


def load_model(path: Path) -> LineModel:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(str(path), f"cannot read the line model: {err.strerror}") from None
    return parse_model(data, str(path))


@cache
def default_model() -> LineModel:
    """The model shipped in the package (trained by `detente train-cleaner`; see README), its trees compiled when
    `detente compile-line-model` has been run."""
    resource = resources.files("detente.lines").joinpath(DEFAULT_MODEL)
    try:
        data = resource.read_bytes()
    except OSError:
        raise InputError(f"detente/lines/{DEFAULT_MODEL}", "the packaged line model is missing: reinstall detente") from None
    return parse_model(data, f"detente/lines/{DEFAULT_MODEL}", COMPILED_MODEL)
