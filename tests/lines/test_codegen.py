"""The trees as C: generated from LightGBM text, they give LightGBM's probabilities bit for bit, whatever the
missing-value rules of the splits; what the generator does not write is refused."""

from __future__ import annotations

from pathlib import Path

import lightgbm
import numpy as np
import pytest

from conftest import needs_compiler
from detente.lines.booster import TextBooster
from detente.lines.codegen import UnsupportedModel, c_source, parse_stage
from detente.lines.compiled import generator_sha256, load_library
from detente.lines.native import compile_library, probe_rows


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
    compile_library(c_source([stage], "0" * 64, generator_sha256()), library)
    loaded = load_library(library, "0" * 64, (stage.width,))
    assert loaded is not None
    rows = probe_rows(stage, random_rows=3000, seed=5)
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
    assert {8, 10} <= kinds and expected.tobytes() == got.tobytes()  # NaN missing type, default right and left


def test_the_generated_source_is_deterministic_and_names_its_model_and_generator():
    text = _train(*_data())
    first = c_source([parse_stage(text)], "a" * 64, "b" * 64)
    assert first == c_source([parse_stage(text)], "a" * 64, "b" * 64)
    assert 'detente_line_model_sha256[] = "' + "a" * 64 + '"' in first and 'detente_generator_sha256[] = "' + "b" * 64 + '"' in first


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
        c_source([parse_stage(changed)], "0" * 64, "0" * 64)


def test_a_categorical_model_is_refused():
    rng = np.random.default_rng(4)
    x = np.column_stack([rng.integers(0, 6, 300), rng.normal(size=300)]).astype(float)
    y = (x[:, 0] % 2 == 0).astype(float)
    text = lightgbm.train({"objective": "binary", "verbosity": -1, "min_data_in_leaf": 5, "min_data_per_group": 5, "cat_smooth": 1, "num_threads": 1},
                          lightgbm.Dataset(x, y, categorical_feature=[0]), num_boost_round=3).model_to_string()
    with pytest.raises(UnsupportedModel, match="categorical"):
        parse_stage(text)


def test_a_random_forest_is_refused():
    """LightGBM divides a random forest's sum by its trees (average_output): the generator does not."""
    x, y = _data()
    text = lightgbm.train({"objective": "binary", "boosting": "rf", "bagging_fraction": 0.5, "bagging_freq": 1, "verbosity": -1, "num_threads": 1},
                          lightgbm.Dataset(x, y), num_boost_round=3).model_to_string()
    with pytest.raises(UnsupportedModel, match="averages its trees"):
        parse_stage(text)


@needs_compiler
def test_single_leaf_trees_match(tmp_path):
    """Labels LightGBM cannot split on give trees of one leaf."""
    x, _ = _data()
    y = np.zeros(len(x))
    y[:3] = 1.0
    text = _train(x, y, min_data_in_leaf=300)
    assert {len(tree.leaf_value) for tree in parse_stage(text).trees} == {1}
    rows, expected, got = _compiled(tmp_path, text)
    assert expected.tobytes() == got.tobytes()
