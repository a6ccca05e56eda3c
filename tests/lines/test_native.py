"""`detente compile-line-model`: the packaged model compiled gives LightGBM's probabilities on real pages; a library
that would differ is never put in place; without a compiler the cleaner keeps LightGBM."""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import needs_compiler
from detente.cli import main
from detente.errors import DetenteError
from detente.lines import native
from detente.lines.codegen import StageTrees, Tree, parse_stage
from detente.lines.model import COMPILED_MODEL, PACKAGED_MODEL, default_model, parse_model, stage_texts

REPO = Path(__file__).resolve().parents[2]
PACKAGED = PACKAGED_MODEL


@pytest.fixture(scope="module")
def compiled_packaged(tmp_path_factory) -> tuple[Path, native.CompileReport]:
    out = tmp_path_factory.mktemp("native") / "line_model.so"
    return out, native.compile_line_model(PACKAGED, out)


def _seed_pages() -> list[list[str]]:
    return [[line.strip() for line in path.read_text(encoding="utf-8").split("\n")] for path in sorted((REPO / "raw").glob("*.txt"))]


@needs_compiler
def test_the_packaged_model_compiled_gives_the_same_probabilities_on_the_seeds(compiled_packaged):
    out, report = compiled_packaged
    assert report.out == out and out.is_file() and report.model_id == default_model().model_id and report.rows_checked > 8000
    data = PACKAGED.read_bytes()
    compiled, reference = parse_model(data, "packaged", out), parse_model(data, "packaged")
    assert (compiled.predictor, reference.predictor) == ("compiled", "LightGBM")
    assert compiled.sha256 == reference.sha256 and compiled.threshold == reference.threshold
    pages = _seed_pages()
    assert len(pages) == 5
    for page in pages:
        assert compiled.content_probabilities(page).tobytes() == reference.content_probabilities(page).tobytes()


@needs_compiler
def test_a_library_that_differs_from_lightgbm_is_never_put_in_place(tmp_path, monkeypatch):
    real = native.c_source

    def off_by_a_bit(stages, sha256, generator):  # one leaf value nudged: what a generator bug would do
        source = real(stages, sha256, generator)
        first = source.index("return ") + len("return ")
        value = source[first:source.index(";", first)]
        return source[:first] + repr(float(value) + 1e-9) + source[first + len(value):]

    monkeypatch.setattr(native, "c_source", off_by_a_bit)
    out = tmp_path / "line_model.so"
    with pytest.raises(native.CompileError, match=r"the compiled members\[0\].stage1 differs from LightGBM on \d+ of \d+ probe rows; not installed"):
        native.compile_line_model(PACKAGED, out)
    assert list(tmp_path.iterdir()) == []


def test_without_a_compiler_make_env_goes_on_and_the_library_is_left_alone(tmp_path, monkeypatch, capsys):
    out = tmp_path / "line_model.so"
    out.write_bytes(b"an earlier build")
    monkeypatch.setattr(native, "COMPILED_MODEL", out)
    assert main(["compile-line-model", "--if-possible", "--cc", "no-such-cc"]) == 0
    err = capsys.readouterr().err
    assert "line features not compiled: no C compiler 'no-such-cc' on PATH" in err
    assert "line model not compiled: no C compiler 'no-such-cc' on PATH" in err
    assert out.read_bytes() == b"an earlier build"
    with pytest.raises(DetenteError, match="cannot compile the line features: no C compiler 'no-such-cc'"):
        native.main_compile_line_model(False, "no-such-cc")


def test_an_unreadable_model_file_is_named(tmp_path):
    with pytest.raises(DetenteError, match=rf"{tmp_path / 'none.json'}: cannot read the line model"):
        native.compile_line_model(tmp_path / "none.json", tmp_path / "x.so")


def _leaf(tree: Tree, row: np.ndarray) -> int:
    node = 0
    while node >= 0:  # the packaged model's splits: missing type None, no NaN in the rows checked here
        node = tree.left_child[node] if row[tree.split_feature[node]] <= tree.threshold[node] else tree.right_child[node]
    return ~node


def test_probe_rows_reach_every_leaf_and_sit_on_split_points():
    stage = parse_stage(stage_texts(json.loads(PACKAGED.read_bytes()), "packaged")["members[0].stage1"])
    rows = native.probe_rows(stage, random_rows=500)
    leaf_rows = sum(len(tree.leaf_value) for tree in stage.trees)
    assert rows.shape == (leaf_rows + 500, stage.width) and np.isnan(rows[leaf_rows:]).any()
    aimed = rows[:leaf_rows]
    start = 0
    for tree in stage.trees[:10]:
        reached = {_leaf(tree, row) for row in aimed[start:start + len(tree.leaf_value)]}
        assert reached == set(range(len(tree.leaf_value)))
        start += len(tree.leaf_value)
    tree = stage.trees[1]
    assert (rows[:, tree.split_feature[0]] == tree.threshold[0]).any()
    assert native.probe_rows(stage, random_rows=50).tobytes() == native.probe_rows(stage, random_rows=50).tobytes()


def test_a_model_the_generator_cannot_write_is_a_compile_error(tmp_path, monkeypatch):
    def refuse(text: str) -> StageTrees:
        raise native.UnsupportedModel("categorical splits")

    monkeypatch.setattr(native, "parse_stage", refuse)
    with pytest.raises(native.CompileError, match=r"cannot be compiled \(categorical splits\)"):
        native.compile_line_model(PACKAGED, tmp_path / "x.so")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_compiler_is_a_clear_error(tmp_path):
    with pytest.raises(native.CompileError, match="no C compiler 'no-such-cc' on PATH"):
        native.compile_library("int x;", tmp_path / "x.so", compiler="no-such-cc")
    assert not (tmp_path / "x.so").exists()


@needs_compiler
def test_a_compiler_error_is_reported_and_nothing_is_left(tmp_path):
    with pytest.raises(native.CompileError, match=r"failed \(1\):\n.*error"):
        native.compile_library("this is not C", tmp_path / "x.so")
    assert list(tmp_path.iterdir()) == []


@needs_compiler
def test_an_unwritable_place_is_a_compile_error_not_a_traceback(tmp_path):
    with pytest.raises(native.CompileError, match=rf"cannot write {tmp_path / 'no-such-folder' / 'x.so'}: No such file or directory"):
        native.compile_line_model(PACKAGED, tmp_path / "no-such-folder" / "x.so")


@needs_compiler
def test_cc_may_carry_flags(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", "cc -O1")
    native.compile_library("int detente_x = 7;", tmp_path / "x.so")
    assert ctypes.c_int.in_dll(ctypes.CDLL(str(tmp_path / "x.so")), "detente_x").value == 7


def test_the_cleaner_uses_the_compiled_model_once_make_env_built_it():
    if not COMPILED_MODEL.is_file():
        pytest.skip(f"{COMPILED_MODEL} is not built (`make env` builds it with `detente compile-line-model`)")
    assert default_model().predictor == "compiled"


SHARED_DEV = REPO.parent / "shared" / "boilerplate" / "dev"


@needs_compiler
@pytest.mark.skipif(not (SHARED_DEV / "raw").is_dir(), reason=f"{SHARED_DEV} is absent (a maintainers' folder): the compiled model is compared on the five articles only")
def test_the_packaged_model_compiled_gives_the_same_probabilities_on_dev(compiled_packaged):
    out, _ = compiled_packaged
    data = PACKAGED.read_bytes()
    compiled, reference = parse_model(data, "packaged", out), parse_model(data, "packaged")
    pages = sorted((SHARED_DEV / "raw").glob("*.txt"))
    assert len(pages) > 100
    for path in pages:
        page = [line.strip() for line in path.read_text(encoding="utf-8").split("\n")]
        assert compiled.content_probabilities(page).tobytes() == reference.content_probabilities(page).tobytes(), path.name


@needs_compiler
def test_a_stale_library_leaves_the_model_to_lightgbm_with_a_warning(compiled_packaged, tmp_path):
    out, _ = compiled_packaged
    document = json.loads(PACKAGED.read_bytes())
    retrained = (json.dumps(document | {"threshold": 0.6}) + "\n").encode("utf-8")  # another model file: another SHA-256
    with pytest.warns(UserWarning, match="was compiled from another line model; using LightGBM"):
        model = parse_model(retrained, "retrained", out)
    assert model.predictor == "LightGBM" and model.threshold == 0.6
