"""Scale: run_local on a small crawl (bad articles rejected by name, the rest written), determinism across worker
counts, sharding, Parquet = JSONL, and the datatrove path giving the same records."""

from __future__ import annotations

import copy
import errno
import inspect
import json
import os
import shutil
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from conftest import REPO
from detente.errors import InputError, SchemaError
from detente.rawtext import doc_id_for, split_lines
from detente.scale.cli import main_scale
from detente.scale.core import ArticleInput, check_record, process_article
from detente.scale.local import run_local
from detente.schemas import validate

RAW = sorted((REPO / "raw").glob("dtn-*.txt"))
BAD_BYTES = b"Minister meets counterpart\n" + b"caf\xe9 au lait\n"


def make_crawl(root: Path) -> Path:
    """Five real articles (two in a subfolder), one non-UTF-8 article, one empty file, one non-.txt file."""
    crawl = root / "crawl"
    (crawl / "b-sub").mkdir(parents=True)
    for n, path in enumerate(RAW):
        target = crawl / ("b-sub" if n >= 3 else "") / f"article-{n}.txt"
        shutil.copyfile(path, target)
    (crawl / "a-bad.txt").write_bytes(BAD_BYTES)
    (crawl / "c-empty.txt").write_bytes(b"")
    (crawl / "notes.md").write_text("not an article\n")
    return crawl


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_crawl(tmp_path_factory.mktemp("scale"))


@pytest.fixture(scope="module")
def local_out(crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    run_local(crawl, out, workers=2, shard_size=3)
    return out


def test_bad_articles_are_named_in_rejects_and_the_others_are_written(crawl, tmp_path, capsys):
    out = tmp_path / "out"
    assert main_scale(str(crawl), str(out), workers=2, shard_size=3) == 0
    printed = capsys.readouterr()
    assert "7 articles in 3 shards: 5 documents, 252 lines, 2 rejects" in printed.out
    assert "rejected: a-bad.txt" in printed.err and "rejected: c-empty.txt" in printed.err

    assert jsonl(out / "rejects.jsonl") == [
        {"source": "a-bad.txt", "shard": 0, "doc_id": doc_id_for(BAD_BYTES), "error": "a-bad.txt: not valid UTF-8 at byte 30: invalid continuation byte"},
        {"source": "c-empty.txt", "shard": 2, "doc_id": doc_id_for(b""), "error": "c-empty.txt: empty file (0 bytes)"},
    ]
    documents = [d for p in sorted((out / "documents").glob("*.jsonl")) for d in jsonl(p)]
    expected_sources = ["article-0.txt", "article-1.txt", "article-2.txt", "b-sub/article-3.txt", "b-sub/article-4.txt"]
    assert [d["source"] for d in documents] == expected_sources
    assert [d["doc_id"] for d in documents] == [p.stem for p in RAW]  # content-addressed, as in raw/
    lines = [r for p in sorted((out / "lines").glob("*.jsonl")) for r in jsonl(p)]
    raw_lines = [len(split_lines(p.read_text(encoding="utf-8"))) for p in RAW]
    assert len(lines) == sum(raw_lines) == 252
    for d, n in zip(documents, raw_lines):
        assert [lb["line"] for lb in d["line_labels"]] == list(range(1, n + 1))
        assert d["text"] and all(d["text"][s["start"] : s["start"] + s["length"]] for s in d["segments"])
    # what was written passes the project's reference validator (jsonschema), not only the fast one
    for n, record in enumerate(lines):
        validate(record, "line", f"lines:{n}")


def test_output_is_byte_identical_for_one_and_two_workers(crawl, local_out, tmp_path):
    one = tmp_path / "one"
    run_local(crawl, one, workers=1, shard_size=3)
    assert tree(one) == tree(local_out)


def test_shards_hold_shard_size_articles_in_input_order(crawl, local_out, tmp_path):
    # order: a-bad, article-0, article-1 | article-2, b-sub/article-3, b-sub/article-4 | c-empty
    assert [r["source"] for r in jsonl(local_out / "documents" / "part-00000.jsonl")] == ["article-0.txt", "article-1.txt"]
    assert [r["source"] for r in jsonl(local_out / "documents" / "part-00001.jsonl")] == ["article-2.txt", "b-sub/article-3.txt", "b-sub/article-4.txt"]
    assert not (local_out / "documents" / "part-00002.jsonl").exists()  # shard 2 is the empty file alone: no rows, no part
    assert sorted(p.name for p in (local_out / "lines").iterdir()) == ["part-00000.jsonl", "part-00000.parquet", "part-00001.jsonl", "part-00001.parquet"]

    single = tmp_path / "single"
    summary = run_local(crawl, single, workers=2, shard_size=100)
    assert (summary.shards, summary.documents, summary.rejects) == (1, 5, 2)
    assert sorted(p.name for p in (single / "documents").iterdir()) == ["part-00000.jsonl", "part-00000.parquet"]


def test_parquet_reads_back_equal_to_jsonl(local_out):
    parts = sorted((local_out / "documents").glob("*.parquet")) + sorted((local_out / "lines").glob("*.parquet"))
    assert len(parts) == 4
    for parquet in parts:
        assert pq.read_table(parquet).to_pylist() == jsonl(parquet.with_suffix(".jsonl"))


def test_existing_output_folder_is_refused_and_left_alone(crawl, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match=r"out: output folder already exists and is not empty"):
        run_local(crawl, out, workers=1, shard_size=3)
    assert tree(out) == {"keep.txt": b"mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_an_output_inside_the_crawl_is_refused_before_anything_is_written(crawl, tmp_path):
    """A later run over the crawl would read the output's .jsonl parts as articles."""
    before = tree(crawl)
    with pytest.raises(InputError, match=r"^--out: .*/o is inside the input folder .*, where a later run would read it as articles: choose a folder outside it$"):
        run_local(crawl, crawl / "sub" / ".." / "o", workers=1, shard_size=3)
    assert tree(crawl) == before
    pytest.importorskip("datatrove", reason="datatrove is not installed (the `scale` extra)")
    from detente.scale.datatrove import run_datatrove

    for out, logs, option in ((crawl / "o", None, "--out"), (tmp_path / "o", crawl / "logs", "--logging-dir")):
        with pytest.raises(InputError, match=rf"^{option}: .* is inside the input folder"):
            run_datatrove(crawl, out, workers=1, shard_size=3, logging_dir=logs)
        assert tree(crawl) == before
    # the steps a cluster driver calls directly (README, "On a cluster") check it too
    from detente.scale.datatrove import build_pipeline, write_plan

    with pytest.raises(InputError, match=r"^--logging-dir: .* is inside the input folder"):
        write_plan(crawl, crawl / "logs", 3)
    with pytest.raises(InputError, match=r"^--out: .* is inside the input folder"):
        build_pipeline(crawl, crawl / "o", tmp_path / "plan.jsonl")
    assert tree(crawl) == before


def test_a_folder_without_articles_is_an_error_and_publishes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: no articles found \(.txt files, or lines of .jsonl files\)"):
        run_local(tmp_path / "empty", tmp_path / "out", workers=1, shard_size=3)
    assert not (tmp_path / "out").exists()


def test_an_unexpected_failure_becomes_a_reject(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("detente.scale.core.clean_text", broken)
    result = process_article(ArticleInput("x/1.txt", b"Some text\n"))
    assert result.document is None and result.lines == []
    assert result.reject == {"source": "x/1.txt", "doc_id": doc_id_for(b"Some text\n"), "error": "x/1.txt: unexpected ZeroDivisionError: division by zero"}


def test_fast_validation_agrees_with_jsonschema():
    result = process_article(ArticleInput("a.txt", RAW[0].read_bytes()))
    assert result.document is not None
    line = result.lines[0]
    check_record(line, "line", "here")
    for field, value in (("class", "furniture"), ("line", 0), ("doc_id", "doc-1"), ("rule", "")):
        bad = dict(line, **{field: value})
        with pytest.raises(SchemaError) as fast:
            check_record(bad, "line", "a.txt: line 1")
        with pytest.raises(SchemaError) as reference:
            validate(bad, "line", "a.txt: line 1")
        assert str(fast.value) == str(reference.value)
    bad_doc = copy.deepcopy(result.document)
    bad_doc["line_labels"][0]["category"] = "sidebar"
    with pytest.raises(SchemaError, match=r"a.txt: does not match schema 'scaled_document': line_labels/0/category: 'sidebar' is not one of"):
        check_record(bad_doc, "scaled_document", "a.txt")


def test_datatrove_local_executor_writes_the_same_records(crawl, local_out, tmp_path):
    pytest.importorskip("datatrove", reason="datatrove is not installed (the `scale` extra)")
    from detente.scale.datatrove import IncompleteRunError, finalize, run_datatrove

    out, logs = tmp_path / "dt", tmp_path / "logs"
    summary = run_datatrove(crawl, out, workers=2, shard_size=3, logging_dir=logs)
    assert (summary.articles, summary.shards, summary.documents, summary.lines, summary.rejects) == (7, 3, 5, 252, 2)
    local, scaled = tree(local_out), tree(out)
    assert sorted(local) == sorted(scaled)  # same files: same sharding
    for name in local:
        if name.endswith(".parquet"):  # same rows; the encoding is datatrove's writer's
            assert pq.read_table(out / name).to_pylist() == pq.read_table(local_out / name).to_pylist(), name
        else:
            assert scaled[name] == local[name], name
    assert sorted(p.name for p in (logs / "completions").iterdir()) == ["00000", "00001", "00002"]
    run_datatrove(crawl, out, workers=2, shard_size=3, logging_dir=logs)  # all tasks complete: nothing redone
    assert tree(out) == scaled

    (logs / "completions" / "00001").unlink()  # as if task 1 had died
    with pytest.raises(IncompleteRunError, match=r"1 of 3 tasks have no completion marker \(1\); re-run"):
        finalize(out, logs, 3)


def test_cluster_flow_plan_pipeline_then_dependent_finalize(crawl, local_out, tmp_path):
    """The Slurm recipe from scale_datatrove's docstring, with the local executor standing in for Slurm."""
    pytest.importorskip("datatrove", reason="datatrove is not installed (the `scale` extra)")
    from datatrove.executor import LocalPipelineExecutor

    from detente.scale.datatrove import (
        FinalizeRun,
        build_pipeline,
        count_shards,
        write_plan,
    )

    out, logs = tmp_path / "out", str(tmp_path / "logs")
    plan = write_plan(crawl, logs, 3)
    tasks = count_shards(plan)
    main = LocalPipelineExecutor(pipeline=build_pipeline(crawl, out, plan), tasks=tasks, workers=1, logging_dir=logs)
    LocalPipelineExecutor(pipeline=[FinalizeRun(str(out), logs, tasks)], tasks=1, depends=main, logging_dir=logs + "-finalize").run()
    assert (out / "rejects.jsonl").read_bytes() == (local_out / "rejects.jsonl").read_bytes()
    assert not (out / "rejects").exists()
    with pytest.raises(InputError, match=r"shards.jsonl: the input or --shard-size changed since this logging folder was used"):
        write_plan(crawl, logs, 2)


# --- JSON Lines input ---------------------------------------------------------------------------------------

def make_jsonl_crawl(root: Path) -> Path:
    """Two .jsonl files (with bad lines among real articles) around a .txt article, the same pages as raw/."""
    crawl = root / "jsonl-crawl"
    crawl.mkdir()
    texts = [path.read_text(encoding="utf-8") for path in RAW]
    first = [json.dumps({"id": "a", "text": texts[0]}), '{"text": "unterminated', json.dumps({"id": "no text"}), "",
             json.dumps({"text": texts[1], "url": None}), json.dumps({"text": 42}), json.dumps(["not", "an", "object"])]
    (crawl / "a.jsonl").write_text("\n".join(first) + "\n", encoding="utf-8")
    shutil.copyfile(RAW[2], crawl / "b.txt")
    (crawl / "c.jsonl").write_bytes((json.dumps({"text": texts[3]}) + "\r\n" + json.dumps({"text": texts[4]})).encode())  # CRLF, no final newline
    return crawl


def test_jsonl_lines_are_articles_with_line_sources_and_bad_lines_rejected(tmp_path):
    crawl = make_jsonl_crawl(tmp_path)
    out = tmp_path / "out"
    summary = run_local(crawl, out, workers=2, shard_size=2)
    assert (summary.articles, summary.documents, summary.rejects, summary.shards) == (10, 5, 5, 5)
    documents = [record for k in range(5) if (out / "documents" / f"part-{k:05d}.jsonl").exists() for record in jsonl(out / "documents" / f"part-{k:05d}.jsonl")]
    assert [d["source"] for d in documents] == ["a.jsonl:1", "a.jsonl:5", "b.txt", "c.jsonl:1", "c.jsonl:2"]
    # the same page gives the same ID and record whether it came as a .txt file or a JSON line
    assert [d["doc_id"] for d in documents] == [doc_id_for(path.read_bytes()) for path in RAW]
    rejects = jsonl(out / "rejects.jsonl")
    assert [(r["source"], r["shard"], r["doc_id"]) for r in rejects] == [
        ("a.jsonl:2", 0, None), ("a.jsonl:3", 1, None), ("a.jsonl:4", 1, None), ("a.jsonl:6", 2, None), ("a.jsonl:7", 3, None)]
    assert rejects[0]["error"].startswith("a.jsonl:2: not valid JSON: ")
    assert rejects[1]["error"] == 'a.jsonl:3: not a JSON object with a string field "text"'
    assert rejects[2]["error"] == "a.jsonl:4: empty line, no article"
    assert rejects[4]["error"] == 'a.jsonl:7: not a JSON object with a string field "text"'


def test_an_unreadable_jsonl_file_is_one_reject_and_the_rest_is_cleaned(tmp_path):
    crawl = make_jsonl_crawl(tmp_path)
    (crawl / "b-gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")  # listed, but cannot be opened
    summary = run_local(crawl, tmp_path / "out", workers=1, shard_size=4)
    assert (summary.articles, summary.documents, summary.rejects) == (11, 5, 6)
    gone = [r for r in jsonl(tmp_path / "out" / "rejects.jsonl") if r["source"] == "b-gone.jsonl"]
    assert gone == [{"source": "b-gone.jsonl", "shard": 1, "doc_id": None, "error": "b-gone.jsonl: cannot read this .jsonl file, so none of its lines was cleaned"}]


def test_jsonl_plan_cuts_runs_at_shard_boundaries_and_workers_do_not_matter(tmp_path):
    from detente.scale.core import plan_shards

    crawl = make_jsonl_crawl(tmp_path)
    plan = list(plan_shards(crawl, 4))
    first_line = (crawl / "a.jsonl").read_bytes().split(b"\n")[0]
    assert plan[0] == [["a.jsonl", 1, 0, 4]]
    assert plan[1] == [["a.jsonl", 5, len(b"\n".join((crawl / "a.jsonl").read_bytes().split(b"\n")[:4])) + 1, 3], "b.txt"]
    assert plan[2] == [["c.jsonl", 1, 0, 2]] and len(first_line) > 1000
    run_local(crawl, tmp_path / "one", workers=1, shard_size=3)
    run_local(crawl, tmp_path / "two", workers=2, shard_size=3)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_datatrove_reads_jsonl_crawls_the_same_way(tmp_path):
    pytest.importorskip("datatrove", reason="datatrove is not installed (the `scale` extra)")
    from detente.scale.datatrove import run_datatrove

    crawl = make_jsonl_crawl(tmp_path)
    ours = run_local(crawl, tmp_path / "local", workers=2, shard_size=3)
    theirs = run_datatrove(crawl, tmp_path / "dt", workers=2, shard_size=3, logging_dir=tmp_path / "logs")
    figures = ("articles", "documents", "lines", "rejects", "shards", "raw_bytes")
    assert [getattr(theirs, name) for name in figures] == [getattr(ours, name) for name in figures]
    local, scaled = tree(tmp_path / "local"), tree(tmp_path / "dt")
    assert sorted(local) == sorted(scaled)
    for name in local:
        if name.endswith(".parquet"):
            assert pq.read_table(tmp_path / "dt" / name).to_pylist() == pq.read_table(tmp_path / "local" / name).to_pylist(), name
        else:
            assert scaled[name] == local[name], name


# --- What cannot be read: one reject each, and the rest of the crawl is cleaned (both engines) ----------------

def make_hostile_crawl(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two articles, reached also through links, among everything the walk must survive without reading it."""
    crawl = root / "hostile"
    (crawl / "sub").mkdir(parents=True)
    shutil.copyfile(RAW[0], crawl / "article-0.txt")
    shutil.copyfile(RAW[1], crawl / "sub" / "article-1.txt")
    (crawl / "link.txt").symlink_to("article-0.txt")  # a link to a file: followed
    (crawl / "zz").symlink_to("sub")  # a link to a folder: followed (its own "up" then loops to the input folder)
    (crawl / "sub" / "up").symlink_to("..")  # a loop
    (crawl / "self.txt").symlink_to("self.txt")  # a link to itself
    for name in (b"caf\xe9.txt", b"d\xff/x.txt"):  # names that are not UTF-8
        if b"/" in name:
            os.mkdir(bytes(crawl) + b"/" + name.split(b"/")[0])
        handle = os.open(bytes(crawl) + b"/" + name, os.O_WRONLY | os.O_CREAT)
        os.write(handle, RAW[2].read_bytes())
        os.close(handle)
    (crawl / "locked").mkdir()  # cannot be listed (see refuse_listing)
    shutil.copyfile(RAW[2], crawl / "locked" / "y.txt")
    os.mkfifo(crawl / "fifo.txt")  # reading a FIFO blocks until a writer comes: never opened
    os.mkfifo(crawl / "fifo.jsonl")
    (crawl / "null.txt").symlink_to(os.devnull)  # a character device
    with monkeypatch.context() as here, socket.socket(socket.AF_UNIX) as server:
        here.chdir(crawl)  # a socket's path must be short: bind it by its relative name
        server.bind("sock.txt")
    refuse_listing(monkeypatch, "/locked")
    return crawl


def refuse_listing(monkeypatch: pytest.MonkeyPatch, ending: str) -> None:
    """os.scandir of a folder whose path ends in `ending` fails as an unreadable folder would. (The tests run as
    root in CI, for whom chmod 000 does not make a folder unreadable, so the OS call is patched instead.)"""
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if not isinstance(path, int) and os.fspath(path).endswith(ending):  # (an int: a descriptor, rmtree)
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


HOSTILE_REJECTS = [
    ("caf\\xe9.txt", "caf\\xe9.txt: the file name is not valid UTF-8 (shown with \\x escapes); rename it to clean what it holds"),
    ("d\\xff/", "d\\xff/: the folder name is not valid UTF-8 (shown with \\x escapes); rename it to clean what it holds"),
    ("fifo.jsonl", "fifo.jsonl: not a regular file (a FIFO), so none of its lines was cleaned"),
    ("fifo.txt", "fifo.txt: cannot read: not a regular file (a FIFO)"),
    ("locked/", "locked/: cannot read this folder, so none of its files was cleaned: Permission denied"),
    ("null.txt", "null.txt: cannot read: not a regular file (a character device)"),
    ("self.txt", "self.txt: cannot tell whether this is a file or a folder: Too many levels of symbolic links"),
    ("sock.txt", "sock.txt: cannot read: not a regular file (a socket)"),
    ("sub/up/", "sub/up/: a symbolic link loop: this is the input folder again, so it is not followed"),
    ("zz/up/", "zz/up/: a symbolic link loop: this is the input folder again, so it is not followed"),
]


@pytest.fixture
def no_hang():
    """Fail instead of hanging (a FIFO opened for reading blocks the process)."""
    def timeout(signum: int, frame: Any) -> None:
        raise TimeoutError("the run hung: something blocked reading the input")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_unreadable_things_in_the_crawl_become_rejects_and_the_rest_is_cleaned(tmp_path, monkeypatch, no_hang, capsys):
    crawl = make_hostile_crawl(tmp_path, monkeypatch)
    out = tmp_path / "out"
    assert main_scale(str(crawl), str(out), workers=1, shard_size=5) == 0
    assert "14 articles in 3 shards: 4 documents, 164 lines, 10 rejects" in capsys.readouterr().out
    rejects = jsonl(out / "rejects.jsonl")
    assert [(r["source"], r["error"]) for r in rejects] == HOSTILE_REJECTS
    assert {r["doc_id"] for r in rejects} == {None}
    documents = [d for p in sorted((out / "documents").glob("*.jsonl")) for d in jsonl(p)]
    assert [d["source"] for d in documents] == ["article-0.txt", "link.txt", "sub/article-1.txt", "zz/article-1.txt"]
    assert [d["doc_id"] for d in documents] == [RAW[0].stem, RAW[0].stem, RAW[1].stem, RAW[1].stem]

    pytest.importorskip("datatrove", reason="datatrove is not installed (the `scale` extra)")
    from detente.scale.datatrove import run_datatrove

    summary = run_datatrove(crawl, tmp_path / "dt", workers=1, shard_size=5, logging_dir=tmp_path / "logs")
    assert (summary.articles, summary.documents, summary.lines, summary.rejects, summary.shards) == (14, 4, 164, 10, 3)
    local, scaled = tree(out), tree(tmp_path / "dt")
    assert sorted(local) == sorted(scaled)
    for name in local:
        if name.endswith(".jsonl"):
            assert scaled[name] == local[name], name


def test_an_unreadable_input_folder_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "crawl").mkdir()
    refuse_listing(monkeypatch, "/crawl")
    with pytest.raises(InputError, match=r"crawl: cannot read this folder: Permission denied"):
        run_local(tmp_path / "crawl", tmp_path / "out", workers=1, shard_size=3)
    assert not (tmp_path / "out").exists()


def test_the_walk_does_not_recurse_so_a_deep_tree_cannot_exhaust_the_stack(tmp_path):
    from detente.scale.core import iter_sources

    deep = tmp_path.joinpath(*["d"] * 100)
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("text\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 50)  # fewer free frames than the tree has levels
    try:
        sources = list(iter_sources(tmp_path))
    finally:
        sys.setrecursionlimit(limit)
    assert sources == ["d/" * 100 + "deep.txt"]


def test_a_jsonl_file_may_open_with_a_byte_order_mark_and_bad_bytes_are_named(tmp_path):
    """A BOM before the first line is not part of the first article (as a .txt file's is not its text); a line with a
    byte that is not UTF-8 is a reject naming the byte, as a .txt file's would be, not orjson's "surrogates"."""
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    page = RAW[0].read_text(encoding="utf-8")
    plain = json.dumps({"text": page}).encode()
    (crawl / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + plain + b"\n" + b"\xef\xbb\xbf" + plain + b"\n")
    (crawl / "bytes.jsonl").write_bytes(b'{"text": "caf\xe9 society"}\n' + plain + b"\n")
    summary = run_local(crawl, tmp_path / "out", workers=1, shard_size=10)
    documents = jsonl(tmp_path / "out" / "documents" / "part-00000.jsonl")
    assert [d["source"] for d in documents] == ["bom.jsonl:1", "bytes.jsonl:2"]
    assert documents[0]["doc_id"] == documents[1]["doc_id"] == doc_id_for(RAW[0].read_bytes())
    rejects = jsonl(tmp_path / "out" / "rejects.jsonl")
    assert [(r["source"], r["error"]) for r in rejects] == [
        ("bom.jsonl:2", "bom.jsonl:2: not valid JSON: UTF-8 byte order mark (BOM) is not supported: line 1 column 1 (char 0)"),  # only the file's opens
        ("bytes.jsonl:1", "bytes.jsonl:1: not valid UTF-8 at byte 13: invalid continuation byte"),
    ]
    assert summary.rejects == 2
