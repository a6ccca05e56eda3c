"""The command line: bad paths are errors naming the path with exit status 1, never a traceback or a hang."""

from __future__ import annotations

import os

import pytest

from conftest import REPO
from detente import cli
from detente.cli import main

GOLD_SOURCE = REPO / "annotated" / "source" / "annotations" / "dtn-0885a700d99d.yaml"


@pytest.fixture()
def odd_paths(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check-annotations", "{tmp}"], "{tmp}: is a folder; give a file"),
        (["check-annotations", "{tmp}/pipe"], "{tmp}/pipe: is not a regular file (a FIFO)"),  # would block forever if opened
        (["check-annotations", "{tmp}/missing.yaml"], "{tmp}/missing.yaml: no such file"),
        (["check-annotations", str(GOLD_SOURCE), "--text-dir", "{tmp}"], "{tmp}/dtn-0885a700d99d.txt: no such file"),
        (["validate", "{tmp}"], "{tmp}/MANIFEST.json: no MANIFEST.json: not a release folder"),
        (["validate", "9.9.9"], "annotated/9.9.9: no such release folder"),
        (["export", "conll", "--out", "/proc/self/detente-export"], "/proc/self/detente-export: No such file or directory"),
        (["site", "--out", "/proc/detente-site"], "/proc/detente-site: cannot create the folder"),
        (["site", "--release", "0.1.0", "--out", "{tmp}/s"], "annotated/0.1.0: release 0.1.0 has no gold annotation (its documents carry no entities and events)"),
    ],
)
def test_bad_paths_are_named_errors(odd_paths, capsys, args, message):
    code = main([a.replace("{tmp}", str(odd_paths)) for a in args])
    err = capsys.readouterr().err
    assert code == 1
    assert message.replace("{tmp}", str(odd_paths)) in err
    assert "Traceback" not in err


def test_an_os_error_anywhere_is_reported_with_its_path(monkeypatch, capsys):
    def full_disk(_args):
        raise OSError(28, "No space left on device", "/data/out/part-00001.parquet")

    monkeypatch.setitem(cli.COMMANDS, "splits", full_disk)
    assert main(["splits"]) == 1
    assert capsys.readouterr().err == "detente splits: error: /data/out/part-00001.parquet: No space left on device\n"


def test_commands_that_write_the_corpus_take_its_lock(monkeypatch, tmp_path, capsys):
    """A second build (or add, splits, ...) while one runs waits for the lock, then gives up with a clear error."""
    import multiprocessing

    from detente import paths
    from detente.lock import corpus_lock

    monkeypatch.setattr(paths, "SOURCE_DIR", tmp_path)
    monkeypatch.setattr("detente.lock.WAIT_SECONDS", 0.2)
    ready, release = multiprocessing.get_context("fork").Event(), multiprocessing.get_context("fork").Event()

    def hold() -> None:
        with corpus_lock(tmp_path, "build"):
            ready.set()
            release.wait(10)

    holder = multiprocessing.get_context("fork").Process(target=hold)
    holder.start()
    try:
        assert ready.wait(10)
        for args in (["build"], ["splits"], ["preannotate", "dtn-000000000000"], ["labelstudio", "import", "x.json"]):
            assert main(args) == 1
            err = capsys.readouterr().err
            assert "waiting for detente build (pid" in err and "has been writing this corpus for over 0 s" in err, args
        assert main(["validate", "9.9.9"]) == 1  # a reader does not wait
        assert "waiting" not in capsys.readouterr().err
    finally:
        release.set()
        holder.join(10)


@pytest.mark.parametrize(
    "args",
    [
        ["baseline", "lexical", "--out", "annotated/{v}/documents/test.jsonl"],
        ["evaluate", "--predictions", "p.jsonl", "--json", "annotated/{v}/agreement.json"],
        ["site", "--out", "annotated/{v}/site"],
        ["scale", "raw", "--out", "annotated/{v}/scaled"],
        ["train-cleaner", "--data", "raw", "--out", "annotated/source/model.json"],
        ["evaluate-lines", "--gold", "annotated/{v}", "--json", "annotated/{v}/lines.json"],
        ["agreement", "a", "b", "dtn-0885a700d99d", "--json", "annotated/x.json"],
        ["text-free", "--out", "annotated/{v}/free"],
    ],
)
def test_no_command_writes_into_a_release_or_the_sources(capsys, args):
    from detente.version import DATASET_VERSION

    before = {p: p.stat().st_mtime_ns for p in (REPO / "annotated").rglob("*") if p.is_file()}
    assert main([str(REPO / a.format(v=DATASET_VERSION)) if a.startswith("annotated") else a for a in args]) == 1
    assert "is inside" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in (REPO / "annotated").rglob("*") if p.is_file()} == before


def test_a_warning_is_one_line_naming_the_command_not_python_source(tmp_path, capsys, monkeypatch):
    """A damaged compiled line model: the cleaner runs on LightGBM and says so in the command's own words."""
    from detente.lines import model

    damaged = tmp_path / "line_model.so"
    damaged.write_bytes(b"not a library")
    monkeypatch.setattr(model, "COMPILED_MODEL", damaged)
    page = tmp_path / "page.txt"
    page.write_text("Home\nThe minister said on Monday that the talks had been useful and frank for both sides.\n", encoding="utf-8")
    model.default_model.cache_clear()
    try:
        assert main(["clean", str(page)]) == 0
    finally:
        model.default_model.cache_clear()
    captured = capsys.readouterr()
    assert f"detente clean: warning: {damaged}: not a compiled line model" in captured.err
    assert "UserWarning" not in captured.err and "model.py" not in captured.err
    assert "The minister said on Monday" in captured.out


def test_a_reader_that_stops_early_stops_the_command_quietly():
    """`detente clean ... | head -1`: no "Broken pipe" error and no message from Python at exit; status 141, as a
    program stopped by SIGPIPE."""
    import subprocess
    import sys

    pages = [str(path) for path in sorted((REPO / "raw").glob("*.txt"))] * 40  # far more than a pipe holds
    reader = subprocess.Popen([sys.executable, "-m", "detente.cli", "clean", "--labels", *pages], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.readline().startswith(b"==> ")
    reader.stdout.close()
    assert (reader.wait(timeout=120), reader.stderr.read()) == (141, b"")
    reader.stderr.close()


def test_the_help_describes_the_tool_for_its_users():
    import subprocess
    import sys

    shown = subprocess.run([sys.executable, "-m", "detente.cli", "--help"], capture_output=True, text=True, check=True).stdout
    assert "DETENTE: the annotated news dataset" in shown and "the stages hold the logic" not in shown
    assert "text-free" in shown and "`detente COMMAND --help` describes one command" in shown


def test_a_closed_output_stops_quietly_only_the_commands_whose_work_is_printing(monkeypatch, capsys):
    def closed(_args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(os, "dup2", lambda *_: None)  # the real handler points stdout at /dev/null
    for command, args in (("clean", ["clean", "x.txt"]), ("site", ["site"])):
        monkeypatch.setitem(cli.COMMANDS, command, closed)
        status = main(args)
        err = capsys.readouterr().err
        if command == "clean":
            assert (status, err) == (141, "")
        else:  # it writes files: stopping midway is reported
            assert status == 1 and "detente site: error: file system: Broken pipe (its output was closed before it finished: it stopped there)" in err


def test_a_command_started_with_its_output_closed_does_not_fail_on_it():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "detente.cli", "changes", "0.8.0", "0.9.0"], stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: os.close(1))  # noqa: PLW1509 - the child only closes its stdout
    assert (run.returncode, run.stderr) == (0, "")
