"""detente.io: reading only regular files (a FIFO or device is refused unopened), the one JSONL reader and writer (line separators inside strings survive), the atomic file writer and
the staged folder publish (all or nothing), with the ugly cases."""

from __future__ import annotations

import ast
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from detente.errors import InputError
from detente.io import (
    NotRegularFileError,
    iter_jsonl,
    jsonl_bytes,
    read_json,
    read_jsonl,
    read_regular_file,
    staged_folder,
    write_bytes_atomically,
    write_tree,
)

SEPARATORS = "a\u2028b\u2029c\u0085d\x1ce\x1df\x1eg\x0bh\x0ci\rj"  # every character str.splitlines() breaks on, but "\n"


def test_read_regular_file_reads_files_and_links_to_them(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"text\n")
    (tmp_path / "link.txt").symlink_to("a.txt")
    assert read_regular_file(tmp_path / "a.txt") == read_regular_file(str(tmp_path / "link.txt")) == b"text\n"


def test_read_regular_file_refuses_a_fifo_or_a_device_without_opening_it(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "fifo")  # opened for reading, it would block until a writer came
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda *args, **kwargs: opened.append(args[0]) or real_open(*args, **kwargs))
    for path, kind in ((tmp_path / "fifo", "a FIFO"), (Path(os.devnull), "a character device")):
        with pytest.raises(NotRegularFileError) as refused:
            read_regular_file(path)
        assert (refused.value.strerror, refused.value.filename) == (f"not a regular file ({kind})", str(path))
    assert opened == []
    with pytest.raises(IsADirectoryError):
        read_regular_file(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "none")


def test_a_fifo_that_replaces_a_file_after_the_check_is_refused_without_blocking(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "fifo")
    regular = os.stat(__file__)
    monkeypatch.setattr(os, "stat", lambda path: regular)  # the check saw a regular file; then the FIFO came
    with pytest.raises(NotRegularFileError, match=r"not a regular file \(a FIFO\)"):
        read_regular_file(tmp_path / "fifo")


def test_jsonl_round_trip_keeps_line_separators_inside_strings(tmp_path):
    records = [{"text": SEPARATORS}, {"text": "plain"}, {"n": 1, "nested": {"t": "\u2028"}}]
    path = tmp_path / "r.jsonl"
    path.write_bytes(jsonl_bytes(records))
    assert path.read_bytes().count(b"\n") == 3
    assert read_jsonl(path) == records


def test_jsonl_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": \n')
    with pytest.raises(InputError, match=rf"^{path}:3: invalid JSON"):
        read_jsonl(path)
    path.write_bytes(b'{"a": "caf\xe9"}\n')
    with pytest.raises(InputError, match=rf"^{path}: not valid UTF-8 at byte 10"):
        list(iter_jsonl(path))
    with pytest.raises(InputError, match=rf"^{tmp_path}: is a folder; give a JSONL file"):
        read_jsonl(tmp_path)
    with pytest.raises(InputError, match=r"missing.jsonl: no such file"):
        read_jsonl(tmp_path / "missing.jsonl")


# Any Unicode a JSON string in UTF-8 can hold (not lone surrogates), with the line breaks str.splitlines() knows
# drawn often; numbers that compare equal after a round trip (no NaN).
TEXT = st.text(st.characters(exclude_categories=["Cs"]) | st.sampled_from(list(SEPARATORS) + ["\n", "\u2028", "\u2029", "\u0085"]))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(JSON, max_size=8))
def test_jsonl_writer_and_reader_round_trip_any_record(records):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.jsonl"
        path.write_bytes(jsonl_bytes(records))
        assert read_jsonl(path) == records


def test_jsonl_is_read_line_by_line(tmp_path):
    """Records come before a later line is read (a bad one is found only then), and every byte is reported read."""
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a": 1}\n\n  \r\n{"a": 2}\n{"a": \n')
    read: list[int] = []
    records = iter_jsonl(path, on_bytes=read.append)
    assert next(records) == (f"{path}:1", {"a": 1})
    assert next(records) == (f"{path}:4", {"a": 2})
    with pytest.raises(InputError, match=rf"^{path}:5: invalid JSON: Expecting value \(column 7\)$"):  # where the cut-off record ends
        next(records)
    assert sum(read) == path.stat().st_size
    for ending in (b"\n", b"\r\n", b""):
        path.write_bytes(b'{"doc_id": "d", "entities": [' + ending)
        with pytest.raises(InputError, match=rf"^{path}:1: invalid JSON: Expecting value \(column 30\)$"):
            next(iter_jsonl(path))
    path.write_bytes(b'{"a": 1}\n{"a": "caf\xe9"}\n')
    with pytest.raises(InputError, match=rf"^{path}: not valid UTF-8 at byte 19: invalid continuation byte \(line 2\)"):
        read_jsonl(path)


def test_jsonl_reader_refuses_what_is_not_a_regular_file_before_reading(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match=r"fifo: is not a regular file \(a FIFO\)"):
        read_jsonl(tmp_path / "fifo")  # would wait for a writer if it were opened


def test_read_json_errors_name_the_file(tmp_path):
    (tmp_path / "a.json").write_text('{\n  "a": 1,\n}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"a.json:3: invalid JSON"):
        read_json(tmp_path / "a.json")
    with pytest.raises(InputError, match=r"b.json: not a release"):
        read_json(tmp_path / "b.json", missing="not a release")


def test_atomic_write_replaces_a_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "f.json"
    write_bytes_atomically(target, b"one")
    write_bytes_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.json"]


def test_atomic_write_refuses_a_folder_or_a_link(tmp_path):
    (tmp_path / "real").write_bytes(b"keep")
    os.symlink(tmp_path / "real", tmp_path / "link")
    for target in (tmp_path, tmp_path / "link"):
        with pytest.raises(InputError, match="exists and is not a regular file"):
            write_bytes_atomically(target, b"x")
    assert (tmp_path / "real").read_bytes() == b"keep"


def test_a_failing_staged_folder_leaves_the_target_untouched(tmp_path):
    target = tmp_path / "out"
    write_tree({"a.txt": b"old"}, target)
    with pytest.raises(RuntimeError), staged_folder(target, replace=True) as staging:
        (staging / "a.txt").write_bytes(b"new, half written")
        raise RuntimeError("disk full")
    assert (target / "a.txt").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left behind


def test_write_tree_publishes_everything_or_refuses(tmp_path):
    target = tmp_path / "out"
    write_tree({"x/b.txt": b"b", "a.txt": b"a"}, target)
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == ["a.txt", "x/b.txt"]
    assert (target.stat().st_mode & 0o777) == 0o755
    write_tree({"c.txt": b"c"}, target, replace=True)
    assert sorted(p.name for p in target.iterdir()) == ["c.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with pytest.raises(OSError):  # without replace, a non-empty target is never overwritten
        write_tree({"d.txt": b"d"}, target)
    assert sorted(p.name for p in target.iterdir()) == ["c.txt"]


def _has_splitlines(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "splitlines" for n in ast.walk(node))


def _is_loads(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "loads"


def _json_parsed_from_splitlines(path: Path) -> list[str]:
    """`loads(... .splitlines() ...)`, or `for x in ....splitlines(): ... loads(x ...)`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if _is_loads(node) and any(_has_splitlines(arg) for arg in node.args):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}")
        if isinstance(node, ast.For) and _has_splitlines(node.iter):
            targets = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
            for inner in ast.walk(node):
                if _is_loads(inner) and any(isinstance(n, ast.Name) and n.id in targets for arg in inner.args for n in ast.walk(arg)):
                    found.append(f"{path.relative_to(REPO)}:{inner.lineno}")
    return found


def test_no_code_parses_json_from_splitlines():
    """str.splitlines() cuts a JSONL record at U+2028/U+0085: JSONL is read through detente.io or split on "\\n"."""
    offenders = [f for path in sorted((REPO / "scripts").rglob("*.py")) for f in _json_parsed_from_splitlines(path)]
    assert offenders == []


@pytest.mark.parametrize("write", ["one", "together"])
def test_a_written_file_is_readable_as_open_would_make_it_and_a_replaced_one_keeps_its_mode(tmp_path, write):
    """mkstemp makes 0o600 files: a model, a corrections file or a page must not end up unreadable to others."""
    from detente.io import write_files_together

    def put(path: Path, data: bytes) -> None:
        write_bytes_atomically(path, data) if write == "one" else write_files_together([(path, data)])

    old_umask = os.umask(0o027)
    try:
        put(tmp_path / "new.json", b"{}")
        assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640
        (tmp_path / "kept.json").write_bytes(b"old")
        os.chmod(tmp_path / "kept.json", 0o604)
        put(tmp_path / "kept.json", b"new")
        assert stat.S_IMODE((tmp_path / "kept.json").stat().st_mode) == 0o604
        assert (tmp_path / "kept.json").read_bytes() == b"new"
    finally:
        os.umask(old_umask)
    assert os.umask(old_umask) == old_umask  # the umask is as it was
