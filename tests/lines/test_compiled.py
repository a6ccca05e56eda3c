"""The compiled trees: C generated from LightGBM text gives LightGBM's probabilities bit for bit, whatever the
missing-value rules of the splits; what the generator does not write is refused; a library is used only for the
model it was compiled from."""

from __future__ import annotations

import copy
import pickle
import shutil
import warnings
from pathlib import Path

import lightgbm
import numpy as np
import pytest

from detente.lines.booster import TextBooster
from detente.lines.compiled import (
    CompileError,
    UnsupportedModel,
    c_source,
    compile_library,
    load_library,
    parse_stage,
)
from detente.lines.native import probe_rows

needs_compiler = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) on PATH: the compiled trees cannot be built here")


def _train(x: np.ndarray, y: np.ndarray, **params: object) -> str:
    settings = {"objective": "binary", "num_leaves": 7, "min_data_in_leaf": 5, "verbosity": -1, "seed": 3, "deterministic": True, "num_threads": 1} | params
    return lightgbm.train(settings, lightgbm.Dataset(x, y), num_boost_round=8).model_to_string()


def _data(seed: int = 1, rows: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    y = ((x[:, 0] + 0.5 * x[:, 1] - np.where(np.isnan(x[:, 2]), 1.0, 0.0)) > 0).astype(float)
    return x, y


def _compiled(tmp_path: Path, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probe rows, LightGBM's probabilities, the compiled library's) for a one-stage model."""
    stage = parse_stage(text)
    library = tmp_path / "model.so"
    compile_library(c_source({"stage": stage}, "0" * 64), library)
    loaded = load_library(library, "0" * 64, (stage.width,))
    assert loaded is not None
    rows = probe_rows(stage, rows=3000, seed=5)
    return rows, TextBooster(text).predict(rows), loaded[0].predict(rows)


@needs_compiler
@pytest.mark.parametrize(
    ("make", "params", "missing_type"),
    [
        (lambda x: x, {}, 0),  # no missing values in training: NaN read as 0
        (lambda x: np.where(np.arange(len(x))[:, None] % 7 == 0, np.nan, x), {}, 2),  # NaN missing: default side
        (lambda x: np.where(np.arange(len(x))[:, None] % 5 == 0, 0.0, x), {"zero_as_missing": True}, 1),  # zero missing
    ],
    ids=["missing-none", "missing-nan", "missing-zero"],
)
def test_compiled_trees_give_lightgbms_probabilities_bit_for_bit(tmp_path, make, params, missing_type):
    x, y = _data()
    text = _train(make(x), y, **params)
    assert missing_type in {(kind >> 2) & 3 for tree in parse_stage(text).trees for kind in tree.decision_type}
    rows, expected, got = _compiled(tmp_path, text)
    assert np.isnan(rows).any() and (rows == 0).any()
    assert expected.tobytes() == got.tobytes()


@needs_compiler
def test_default_left_and_right_both_occur_and_match(tmp_path):
    x, y = _data(seed=2)
    x[::3, 2] = np.nan
    text = _train(x, y, num_leaves=15)
    kinds = {kind for tree in parse_stage(text).trees for kind in tree.decision_type}
    rows, expected, got = _compiled(tmp_path, text)
    assert len(kinds) >= 2 and expected.tobytes() == got.tobytes()


def test_the_generated_source_is_deterministic_and_names_its_model():
    text = _train(*_data())
    first = c_source({"stage": parse_stage(text)}, "a" * 64)
    assert first == c_source({"stage": parse_stage(text)}, "a" * 64)
    assert 'detente_line_model_sha256[] = "' + "a" * 64 + '"' in first and "fast-math" not in first


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("objective=binary sigmoid:1", "objective=regression"), "only binary"),
        (lambda t: t.replace("num_cat=0", "num_cat=1", 1), "categorical splits or is linear"),
        (lambda t: t.replace("is_linear=0", "is_linear=1", 1), "categorical splits or is linear"),
        (lambda t: t.replace("leaf_value=", "leaf_value=nan ", 1), "leaf_value"),
        (lambda t: t.replace("threshold=", "threshold=x", 1), "'threshold' is missing or not a list of numbers"),
        (lambda t: t.replace("left_child=1 ", "left_child=0 ", 1), "reached twice"),
    ],
)
def test_what_the_generator_does_not_write_is_refused(change, message):
    text = _train(*_data())
    changed = change(text)
    assert changed != text
    with pytest.raises(UnsupportedModel, match=message):
        c_source({"stage": parse_stage(changed)}, "0" * 64)


def test_a_categorical_model_is_refused():
    rng = np.random.default_rng(4)
    x = np.column_stack([rng.integers(0, 6, 300), rng.normal(size=300)]).astype(float)
    y = (x[:, 0] % 2 == 0).astype(float)
    text = lightgbm.train({"objective": "binary", "verbosity": -1, "min_data_in_leaf": 5, "min_data_per_group": 5, "cat_smooth": 1, "num_threads": 1},
                          lightgbm.Dataset(x, y, categorical_feature=[0]), num_boost_round=3).model_to_string()
    with pytest.raises(UnsupportedModel, match="categorical"):
        parse_stage(text)


def test_a_missing_compiler_is_a_clear_error(tmp_path):
    with pytest.raises(CompileError, match="no C compiler 'no-such-cc' on PATH"):
        compile_library("int x;", tmp_path / "x.so", compiler="no-such-cc")
    assert not (tmp_path / "x.so").exists()


@needs_compiler
def test_a_compiler_error_is_reported_and_nothing_is_written(tmp_path):
    with pytest.raises(CompileError, match=r"failed \(1\):\n.*error"):
        compile_library("this is not C", tmp_path / "x.so")
    assert list(tmp_path.iterdir()) == []


def test_no_library_means_lightgbm(tmp_path):
    assert load_library(tmp_path / "none.so", "0" * 64, (3,)) is None


def test_a_damaged_library_is_not_used(tmp_path):
    damaged = tmp_path / "line_model.so"
    damaged.write_bytes(b"\x7fELF not really")
    with pytest.warns(UserWarning, match=r"line_model.so: not a compiled line model .*detente compile-line-model"):
        assert load_library(damaged, "0" * 64, (3,)) is None


@needs_compiler
def test_a_library_of_another_model_is_not_used(tmp_path):
    stage = parse_stage(_train(*_data()))
    library = tmp_path / "model.so"
    compile_library(c_source({"stage": stage}, "1" * 64), library)
    with pytest.warns(UserWarning, match="was compiled from another line model; using LightGBM"):
        assert load_library(library, "2" * 64, (stage.width,)) is None
    with pytest.warns(UserWarning, match="another line model"):  # same model, other stage count
        assert load_library(library, "1" * 64, (stage.width, stage.width)) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_library(library, "1" * 64, (stage.width,))
    assert loaded is not None
    with pytest.raises(ValueError, match=f"expected {stage.width} features per row"):
        loaded[0].predict(np.zeros((2, stage.width + 1)))
    assert loaded[0].predict(np.zeros((0, stage.width))).shape == (0,)
    for attempt in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError, match="CompiledStage holds a loaded library"):
            attempt(loaded[0])


@needs_compiler
def test_an_unwritable_place_is_a_compile_error_not_a_traceback(tmp_path):
    with pytest.raises(CompileError, match=rf"cannot write {tmp_path / 'no-such-folder' / 'x.so'}: No such file or directory"):
        compile_library("int x;", tmp_path / "no-such-folder" / "x.so")


@needs_compiler
def test_cc_may_carry_flags(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", "cc -O1")
    compile_library("int detente_x = 7;", tmp_path / "x.so")
    import ctypes

    assert ctypes.c_int.in_dll(ctypes.CDLL(str(tmp_path / "x.so")), "detente_x").value == 7
