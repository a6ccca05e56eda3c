"""`detente compile-line-model`: compile the packaged line model's trees to native code (compiled.py) and check,
before the library is put in place, that it gives LightGBM's probabilities bit for bit on probe rows."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detente.errors import DetenteError, InputError
from detente.lines.compiled import (
    ZERO_THRESHOLD,
    CompileError,
    StageTrees,
    UnsupportedModel,
    c_source,
    compile_library,
    load_library,
    parse_stage,
)
from detente.lines.model import COMPILED_MODEL, PACKAGED_MODEL, STAGES, WIDTHS, LineModel, member_texts, parse_model

PROBE_ROWS = 4000
PROBE_SEED = 13


def probe_rows(stage: StageTrees, rows: int = PROBE_ROWS, seed: int = PROBE_SEED) -> np.ndarray:
    """Rows that put every kind of value at the trees' split points: each feature drawn from its thresholds,
    the doubles just beside them, 0, -0, NaN, values below LightGBM's zero threshold and its own range."""
    rng = np.random.default_rng(seed)
    by_feature: list[list[float]] = [[] for _ in range(stage.width)]
    for tree in stage.trees:
        for feature, threshold in zip(tree.split_feature, tree.threshold):
            by_feature[feature] += [threshold, np.nextafter(threshold, -np.inf), np.nextafter(threshold, np.inf)]
    special = [0.0, -0.0, np.nan, ZERO_THRESHOLD, -ZERO_THRESHOLD, ZERO_THRESHOLD / 2, 1.0, -1.0]
    out = np.empty((rows, stage.width))
    for feature, values in enumerate(by_feature):
        pool = np.array(values + special)
        out[:, feature] = pool[rng.integers(0, len(pool), rows)]
    return out


@dataclass(frozen=True)
class CompileReport:
    out: Path
    model_id: str
    seconds: float
    probe_rows: int  # per stage


def compile_line_model(model_file: Path, out: Path, compiler: str | None = None) -> CompileReport:
    """Compile the model file's trees into the library `out`; the library replaces `out` only after its
    probabilities equal LightGBM's on probe rows of every stage. DetenteError on any failure."""
    try:
        data = model_file.read_bytes()
    except OSError as err:
        raise InputError(str(model_file), f"cannot read the line model: {err.strerror}") from None
    reference: LineModel = parse_model(data, str(model_file))  # checks the file; LightGBM predicts the reference
    sha256 = hashlib.sha256(data).hexdigest()
    texts = member_texts(json.loads(data), str(model_file))
    try:  # in the order parse_model loads them: member 0's stage 1 and stage 2, member 1's, ...
        stages = {f"members[{k}].{stage}": parse_stage(member[stage]) for k, member in enumerate(texts) for stage in STAGES}
    except UnsupportedModel as err:
        raise InputError(str(model_file), f"cannot be compiled ({err}); LightGBM runs it") from None
    boosters = [getattr(member, stage) for member in reference.members for stage in STAGES]
    started = time.perf_counter()
    staged = out.with_name(f".{out.name}.{os.getpid()}.check")  # checked before it replaces `out`; two builds at once do not collide
    compile_library(c_source(stages, sha256), staged, compiler)
    try:
        native = load_library(staged, sha256, WIDTHS * len(texts))
        if native is None:
            raise CompileError(f"{staged}: the library just compiled does not load")
        for name, stage, compiled_stage, booster in zip(stages, stages.values(), native, boosters):
            rows = probe_rows(stage)
            expected, got = booster.predict(rows), compiled_stage.predict(rows)
            if not np.array_equal(expected, got):  # bit for bit: no NaN in probabilities
                differ = int(np.sum(expected != got))
                raise CompileError(f"the compiled {name} differs from LightGBM on {differ} of {len(rows)} probe rows; not installed")
        try:
            staged.replace(out)
        except OSError as err:
            raise CompileError(f"cannot write {out}: {err.strerror}") from None
    finally:
        staged.unlink(missing_ok=True)
    return CompileReport(out, reference.model_id, time.perf_counter() - started, PROBE_ROWS)


def main_compile_line_model(if_possible: bool = False, compiler: str | None = None) -> int:
    try:
        report = compile_line_model(PACKAGED_MODEL, COMPILED_MODEL, compiler)
    except CompileError as err:
        if if_possible:
            print(f"line model not compiled: {err}. The cleaner uses LightGBM's predictor (same results, slower).", file=sys.stderr)
            return 0
        raise DetenteError(f"cannot compile the line model: {err}") from None
    print(f"compiled {report.model_id} to {report.out} in {report.seconds:.1f} s; "
          f"probabilities identical to LightGBM's on {report.probe_rows:,} probe rows per stage")
    return 0
