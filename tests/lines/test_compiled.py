"""Loading compiled trees: a library is used only for the model file and the generator it was built from; a
missing, damaged or stale one leaves LightGBM to run the model, with a warning saying how to rebuild it."""

from __future__ import annotations

import copy
import hashlib
import pickle
import warnings

import lightgbm
import numpy as np
import pytest

from conftest import needs_compiler
from detente.lines import compiled
from detente.lines.codegen import c_source, parse_stage
from detente.lines.compiled import generator_sha256, load_library
from detente.lines.native import compile_library


def _stage_text() -> str:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3))
    return lightgbm.train({"objective": "binary", "num_leaves": 5, "verbosity": -1, "num_threads": 1},
                          lightgbm.Dataset(x, (x[:, 0] > 0).astype(float)), num_boost_round=4).model_to_string()


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    stage = parse_stage(_stage_text())
    path = tmp_path_factory.mktemp("compiled") / "model.so"
    compile_library(c_source([stage], "1" * 64, generator_sha256()), path)
    return path, stage.width


def test_no_library_means_lightgbm(tmp_path):
    assert load_library(tmp_path / "none.so", "0" * 64, (3,)) is None


def test_a_damaged_library_is_not_used(tmp_path):
    damaged = tmp_path / "line_model.so"
    damaged.write_bytes(b"\x7fELF not really")
    with pytest.warns(UserWarning, match=r"line_model.so: not a compiled line model .*Rebuild it with `detente compile-line-model`"):
        assert load_library(damaged, "0" * 64, (3,)) is None


@needs_compiler
def test_a_library_of_another_model_is_not_used(library):
    path, width = library
    with pytest.warns(UserWarning, match="was compiled from another line model; using LightGBM"):
        assert load_library(path, "2" * 64, (width,)) is None
    with pytest.warns(UserWarning, match="another line model"):  # the same file, read as a model of two stages
        assert load_library(path, "1" * 64, (width, width)) is None


@needs_compiler
def test_a_library_of_another_generator_is_not_used(tmp_path):
    path = tmp_path / "old.so"
    compile_library(c_source([parse_stage(_stage_text())], "1" * 64, "f" * 64), path)
    with pytest.warns(UserWarning, match="was compiled by another version of detente; using LightGBM"):
        assert load_library(path, "1" * 64, (3,)) is None


@needs_compiler
def test_a_compiled_stage_checks_its_rows_and_is_never_copied(library):
    path, width = library
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_library(path, "1" * 64, (width,))
    assert loaded is not None
    with pytest.raises(ValueError, match=f"expected {width} features per row"):
        loaded[0].predict(np.zeros((2, width + 1)))
    assert loaded[0].predict(np.zeros((0, width))).shape == (0,)
    assert loaded[0].predict(np.zeros((2, width))).shape == (2,)
    for attempt in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError, match="CompiledStage holds a loaded library"):
            attempt(loaded[0])


def test_the_generator_is_named_by_its_source():
    assert generator_sha256() == hashlib.sha256(compiled.GENERATOR.read_bytes()).hexdigest() and compiled.GENERATOR.name == "codegen.py"
