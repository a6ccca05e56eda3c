"""detente.lock: one writer per corpus; a second waits, says what it waits for, and gives up with a clear error."""

from __future__ import annotations

import multiprocessing

import pytest

from detente.errors import InputError
from detente.lock import corpus_lock, lock_path


def _try_lock(source: str, wait: float, queue) -> None:
    from pathlib import Path

    try:
        with corpus_lock(Path(source), "add", wait_seconds=wait):
            queue.put("got it")
    except InputError as err:
        queue.put(str(err))


def test_a_second_writer_waits_then_gives_up_naming_the_holder(tmp_path, capfd):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with corpus_lock(tmp_path, "build"):
        child = context.Process(target=_try_lock, args=(str(tmp_path), 0.3, queue))
        child.start()
        child.join(10)
        message = queue.get(timeout=5)
    assert message.startswith(f"{tmp_path}: detente build (pid ")
    assert "has been writing this corpus for over 0 s" in message
    assert "detente add: waiting for detente build (pid " in capfd.readouterr().err
    # released: the next writer gets it at once
    child = context.Process(target=_try_lock, args=(str(tmp_path), 0.3, queue))
    child.start()
    child.join(10)
    assert queue.get(timeout=5) == "got it"


def test_the_lock_is_one_file_in_the_corpus_whatever_the_environment(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with corpus_lock(tmp_path / "a", "splits"):
        assert [p.name for p in (tmp_path / "a").iterdir()] == [".detente.lock"]
        with corpus_lock(tmp_path / "b", "splits", wait_seconds=0.1):  # another corpus: not blocked
            pass
        monkeypatch.setenv("TMPDIR", str(tmp_path))  # another temporary folder does not split the lock
        with pytest.raises(InputError, match="has been writing this corpus"), corpus_lock(tmp_path / "a" / ".." / "a", "add", wait_seconds=0.1):
            pass
    assert lock_path(tmp_path / "a") == lock_path(tmp_path / "a" / ".." / "a") != lock_path(tmp_path / "b")


def test_an_error_inside_releases_the_lock(tmp_path):
    with pytest.raises(RuntimeError), corpus_lock(tmp_path, "add"):
        raise RuntimeError("boom")
    with corpus_lock(tmp_path, "add", wait_seconds=0.1):
        pass
