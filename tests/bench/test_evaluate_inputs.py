"""`detente evaluate` and `detente baseline` on bad input: exit status 1 and a message naming the path, line and
field, never a traceback, and nothing printed or written before the error for problems that can be seen up front."""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO
from detente.bench.evaluate import gold_as_predictions, load_gold
from detente.cli import main
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION
TEST_DOC = load_gold(RELEASE, "test")[0]
DOC_ID = TEST_DOC["id"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """detente.cli.main(argv) with a 30-second alarm (a FIFO must not make it wait): (status, stdout, stderr)."""

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError(f"detente {' '.join(argv)} still running after 30 s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(30)
    try:
        status = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def predictions(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def good(tmp_path: Path) -> str:
    return str(predictions(tmp_path, json.dumps(gold_as_predictions(TEST_DOC))))


def line_with(field: str, value: str) -> Callable[[Path], list[str]]:
    """A predictions file whose one line has `field` set to the raw JSON `value` (in an otherwise valid record)."""
    records = {
        "entity": '{"doc_id": "DOC", "entities": [{"start": START, "end": END, "type": "PER"}]}',
        "trigger": '{"doc_id": "DOC", "events": [{"trigger": {"start": START, "end": END}}]}',
        "argument": '{"doc_id": "DOC", "events": [{"trigger": {"start": 0, "end": 7}, "arguments": [{"role": "actor", "start": START, "end": END}]}]}',
    }
    kind, _, offset = field.partition(".")
    line = records[kind].replace("DOC", DOC_ID).replace(offset.upper(), value).replace("START", "0").replace("END", "7")
    return lambda tmp_path: ["evaluate", "--predictions", str(predictions(tmp_path, line))]


def fifo(tmp_path: Path) -> list[str]:
    os.mkfifo(tmp_path / "fifo")
    return ["evaluate", "--predictions", str(tmp_path / "fifo")]


def unreadable(tmp_path: Path) -> list[str]:
    path = Path(good(tmp_path))
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: chmod 000 does not stop root from reading the file")
    return ["evaluate", "--predictions", str(path)]


def folder(tmp_path: Path) -> str:
    (tmp_path / "folder").mkdir()
    return str(tmp_path / "folder")


CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    # --predictions that is not a readable regular file
    "predictions is a folder": (lambda t: ["evaluate", "--predictions", folder(t)], r"folder: is a folder; give a JSONL file"),
    "predictions missing": (lambda t: ["evaluate", "--predictions", str(t / "absent.jsonl")], r"absent.jsonl: no such file"),
    "predictions unreadable": (unreadable, r"p.jsonl: cannot read: Permission denied"),
    "predictions a FIFO": (fifo, r"fifo: is not a regular file \(a FIFO\); give a JSONL file"),
    "predictions a /proc file": (lambda t: ["evaluate", "--predictions", "/proc/self/status"], r"/proc/self/status:1: invalid JSON"),
    # outputs checked before any work
    "--json in a missing folder": (lambda t: ["evaluate", "--predictions", good(t), "--json", str(t / "no" / "r.json")], r"r.json: no folder .*/no to write it in"),
    "--json a folder": (lambda t: ["evaluate", "--predictions", good(t), "--json", folder(t)], r"folder: exists and is not a regular file"),
    "baseline --out in a missing folder": (lambda t: ["baseline", "lexical", "--out", str(t / "no" / "p.jsonl")], r"p.jsonl: no folder .*/no to write it in"),
    "baseline --out a folder": (lambda t: ["baseline", "lexical", "--out", folder(t)], r"folder: exists and is not a regular file"),
    # offsets that are numbers but not integers
    "entity start 0.0": (line_with("entity.start", "0.0"), r"p.jsonl:1: entities\[0\]: offsets \[0.0, 7\) are not integers"),
    "entity end 7.0": (line_with("entity.end", "7.0"), r"p.jsonl:1: entities\[0\]: offsets \[0, 7.0\) are not integers"),
    "entity end 7e0": (line_with("entity.end", "7e0"), r"p.jsonl:1: entities\[0\]: offsets \[0, 7.0\) are not integers"),
    "trigger start 0.0": (line_with("trigger.start", "0.0"), r"p.jsonl:1: events\[0\].trigger: offsets \[0.0, 7\) are not integers"),
    "argument end 7.0": (line_with("argument.end", "7.0"), r"p.jsonl:1: events\[0\].arguments\[0\]: offsets \[0, 7.0\) are not integers"),
    "entity start true": (line_with("entity.start", "true"), r"p.jsonl:1: entities/0/start: True is not of type 'integer'"),
    "argument end false": (line_with("argument.end", "false"), r"p.jsonl:1: events/0/arguments/0/end: False is not of type 'integer'"),
    "entity start NaN": (line_with("entity.start", "NaN"), r"p.jsonl:1: entities/0/start: nan is not of type 'integer'"),
    # JSON too deep for the parser, or for the checks after it
    "100,000 nested brackets": (lambda t: ["evaluate", "--predictions", str(predictions(t, "[" * 100_000 + "]" * 100_000))], r"p.jsonl:1: invalid JSON: nested too deeply"),
    "deep value in a record": (
        lambda t: ["evaluate", "--predictions", str(predictions(t, f'{{"doc_id": "{DOC_ID}", "entities": [{{"start": 0, "end": 7, "type": "PER", "entity_id": {"[" * 980 + "]" * 980}}}]}}'))],
        r"p.jsonl:1: (invalid JSON: )?nested too deeply|p.jsonl:1: entities/0/entity_id: \[\[\[",
    ),
    # valid JSON lines that are not objects
    "a list": (lambda t: ["evaluate", "--predictions", str(predictions(t, "[1, 2]"))], r"p.jsonl:1: <record>: a JSON array, not an object"),
    "a number": (lambda t: ["evaluate", "--predictions", str(predictions(t, "42"))], r"p.jsonl:1: <record>: a JSON number, not an object"),
    "a string": (lambda t: ["evaluate", "--predictions", str(predictions(t, '"dtn-692ce5b72fcc"'))], r"p.jsonl:1: <record>: a JSON string, not an object"),
    "null": (lambda t: ["evaluate", "--predictions", str(predictions(t, "null"))], r"p.jsonl:1: <record>: null, not an object"),
    "the second line": (lambda t: ["evaluate", "--predictions", str(predictions(t, json.dumps({"doc_id": DOC_ID}), "", "true"))], r"p.jsonl:3: <record>: true or false, not an object"),
    # where the fast schema check and jsonschema disagree ("$" matches before a final newline in Python's re)
    "doc_id ending in a newline": (lambda t: ["evaluate", "--predictions", str(predictions(t, json.dumps({"doc_id": DOC_ID + "\n"})))], r"p.jsonl:1: doc_id: must match pattern"),
    # a release without gold annotation
    "evaluate --release 0.1.0": (lambda t: ["evaluate", "--release", "0.1.0", "--predictions", good(t)], r"0.1.0/documents/test.jsonl:1: release 0.1.0 has no gold annotation for the test split"),
    "baseline --release 0.1.0": (lambda t: ["baseline", "lexical", "--release", "0.1.0", "--out", str(t / "p.jsonl")], r"0.1.0/documents/test.jsonl:1: release 0.1.0 has no gold annotation for the test split"),
    "export --release 0.1.0": (lambda t: ["export", "conll", "--release", "0.1.0", "--out", str(t / "out")], r"0.1.0/documents/\w+.jsonl:1: release 0.1.0 has no gold annotation"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_an_error_naming_where_never_a_traceback(case, tmp_path, capsys):
    make_argv, message = CASES[case]
    argv = make_argv(tmp_path)
    status, out, err = run(argv, capsys)
    assert status == 1
    assert err.startswith(f"detente {argv[0]}: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err
    assert "split test:" not in out  # no report printed before the error
    assert not (tmp_path / "no").exists()


def test_a_good_file_still_evaluates_and_writes_json_beside_it(tmp_path, capsys):
    status, out, _ = run(["evaluate", "--predictions", good(tmp_path), "--json", str(tmp_path / "r.json")], capsys)
    assert status == 0 and out.startswith("split test: 1 documents")
    assert json.loads((tmp_path / "r.json").read_text())["entities"]["strict"]["micro"]["f1"] == 1.0


def test_an_unreadable_file_is_named_even_as_root(tmp_path, capsys, monkeypatch):
    """The chmod case is skipped as root; this one makes opening fail the way chmod 000 does for another user."""
    path = Path(good(tmp_path))
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    status, _, err = run(["evaluate", "--predictions", str(path)], capsys)
    assert status == 1 and err == f"detente evaluate: error: {path}: cannot read: Permission denied\n"
