"""`detente compile-line-model`: the packaged model compiled gives LightGBM's probabilities on real pages; a library
that would differ is never put in place; without a compiler the cleaner keeps LightGBM."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from detente.cli import main
from detente.errors import DetenteError
from detente.lines import native
from detente.lines.model import COMPILED_MODEL, PACKAGED_MODEL, default_model, parse_model

REPO = Path(__file__).resolve().parents[2]
PACKAGED = PACKAGED_MODEL
needs_compiler = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) on PATH: the compiled trees cannot be built here")


@pytest.fixture(scope="module")
def compiled_packaged(tmp_path_factory) -> tuple[Path, native.CompileReport]:
    out = tmp_path_factory.mktemp("native") / "line_model.so"
    return out, native.compile_line_model(PACKAGED, out)


def _seed_pages() -> list[list[str]]:
    return [[line.strip() for line in path.read_text(encoding="utf-8").split("\n")] for path in sorted((REPO / "raw").glob("*.txt"))]


@needs_compiler
def test_the_packaged_model_compiled_gives_the_same_probabilities_on_the_seeds(compiled_packaged):
    out, report = compiled_packaged
    assert report.out == out and out.is_file() and report.model_id == default_model().model_id
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

    def off_by_a_bit(stages, sha256):  # one leaf value nudged: what a generator bug would do
        source = real(stages, sha256)
        first = source.index("return ") + len("return ")
        value = source[first:source.index(";", first)]
        return source[:first] + repr(float(value) + 1e-9) + source[first + len(value):]

    monkeypatch.setattr(native, "c_source", off_by_a_bit)
    out = tmp_path / "line_model.so"
    with pytest.raises(native.CompileError, match=r"the compiled stage1 differs from LightGBM on \d+ of 4000 probe rows; not installed"):
        native.compile_line_model(PACKAGED, out)
    assert list(tmp_path.iterdir()) == []


def test_without_a_compiler_make_env_goes_on_and_the_library_is_left_alone(tmp_path, monkeypatch, capsys):
    out = tmp_path / "line_model.so"
    out.write_bytes(b"an earlier build")
    monkeypatch.setattr(native, "COMPILED_MODEL", out)
    assert main(["compile-line-model", "--if-possible", "--cc", "no-such-cc"]) == 0
    assert "line model not compiled: no C compiler 'no-such-cc' on PATH" in capsys.readouterr().err
    assert out.read_bytes() == b"an earlier build"
    with pytest.raises(DetenteError, match="cannot compile the line model: no C compiler 'no-such-cc'"):
        native.main_compile_line_model(False, "no-such-cc")


def test_an_unreadable_model_file_is_named(tmp_path):
    with pytest.raises(DetenteError, match=rf"{tmp_path / 'none.json'}: cannot read the line model"):
        native.compile_line_model(tmp_path / "none.json", tmp_path / "x.so")


def test_probe_rows_sit_on_every_split_point():
    stage = native.parse_stage(__import__("json").loads(PACKAGED.read_bytes())["stage1"])
    rows = native.probe_rows(stage, rows=500)
    assert rows.shape == (500, stage.width) and np.isnan(rows).any()
    tree = stage.trees[1]
    assert (rows[:, tree.split_feature[0]] == tree.threshold[0]).any()
    assert native.probe_rows(stage, rows=50).tobytes() == native.probe_rows(stage, rows=50).tobytes()


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
