"""`detente text-free`: a release without the publishers' texts, restored byte for byte from the user's own pages."""

from __future__ import annotations

import shutil

import pytest

from conftest import REPO
from detente.cli import main
from detente.io import read_jsonl
from detente.version import DATASET_VERSION


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("version", [DATASET_VERSION, "0.3.0"])  # index-stored labels, and names as before 0.5.0
def test_strip_then_restore_gives_back_the_release_byte_for_byte(tmp_path, capsys, version):
    release = REPO / "annotated" / version
    assert main(["text-free", "--release", version, "--out", str(tmp_path / "free")]) == 0
    free = _tree(tmp_path / "free")
    title = read_jsonl(release / "documents" / "test.jsonl")[0]["title"].encode("utf-8")
    body_line = next(r["text"] for r in read_jsonl(release / "lines" / "test.jsonl") if len(r["text"]) > 80).encode("utf-8")
    assert not any(title in data or body_line in data for data in free.values())  # no page text left anywhere
    gold = read_jsonl(release / "documents" / "test.jsonl")[0]
    quoted = [gold["rights"]["statement"], *(e["date"]["expression"] for e in gold["events"] if e["date"] and e["date"]["expression"] and len(e["date"]["expression"]) >= 12)]
    assert quoted and not any(q.encode("utf-8") in data for q in quoted for rel, data in free.items() if rel.startswith("documents/"))
    assert not any(rel.endswith(".parquet") for rel in free)
    document = read_jsonl(tmp_path / "free" / "documents" / "test.jsonl")[0]
    assert document["text"] is None and document["entities"][0]["text"] is None and len(document["provenance"]["raw_sha256"]) == 64
    assert main(["text-free", "--restore", str(tmp_path / "free"), "--raw", str(REPO / "raw"), "--out", str(tmp_path / "back")]) == 0
    assert _tree(tmp_path / "back") == _tree(release)
    assert "byte-identical to the original" in capsys.readouterr().out


def test_a_different_copy_of_a_page_is_refused(tmp_path, capsys):
    assert main(["text-free", "--out", str(tmp_path / "free")]) == 0
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    page = sorted(raw.glob("dtn-*.txt"))[0]
    page.write_bytes(page.read_bytes().replace(b"the", b"teh", 1))
    assert main(["text-free", "--restore", str(tmp_path / "free"), "--raw", str(raw), "--out", str(tmp_path / "back")]) == 1
    err = capsys.readouterr().err
    assert f"{page}: SHA-256" in err and "is not the" in err and "use that exact copy" in err
    assert not (tmp_path / "back").exists()


def test_text_free_refuses_an_existing_folder_or_one_inside_annotated(tmp_path, capsys):
    (tmp_path / "there").mkdir()
    assert main(["text-free", "--out", str(tmp_path / "there")]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["text-free", "--out", str(REPO / "annotated" / "free")]) == 1
    assert "is inside" in capsys.readouterr().err
    assert not (REPO / "annotated" / "free").exists()


def test_a_damaged_copy_or_a_pipe_for_a_page_is_a_located_error(tmp_path, capsys):
    import json
    import os

    assert main(["text-free", "--out", str(tmp_path / "free")]) == 0
    manifest = tmp_path / "free" / "TEXT_FREE.json"
    original = manifest.read_text()
    for damage in ([1, 2], {**json.loads(original), "original_sha256sums": None}):
        manifest.write_text(json.dumps(damage))
        assert main(["text-free", "--restore", str(tmp_path / "free"), "--raw", str(REPO / "raw"), "--out", str(tmp_path / "x")]) == 1
        assert "is not the manifest of a text-free copy" in capsys.readouterr().err
    manifest.write_text(original)
    lines = tmp_path / "free" / "lines" / "test.jsonl"
    lines.write_text(lines.read_text().replace('"line": 1,', '"line": 99999,', 1))
    assert main(["text-free", "--restore", str(tmp_path / "free"), "--raw", str(REPO / "raw"), "--out", str(tmp_path / "x")]) == 1
    assert "is not an intact text-free copy" in capsys.readouterr().err
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    page = sorted(raw.glob("dtn-*.txt"))[0]
    page.unlink()
    os.mkfifo(page)
    assert main(["text-free", "--out", str(tmp_path / "again"), "--raw", str(raw)]) == 1  # must not hang on the pipe
    assert "is not a regular file (a FIFO)" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "again").exists()
