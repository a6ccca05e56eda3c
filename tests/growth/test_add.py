"""`detente add`, and a new article end to end: add -> preannotate -> review (simulated export) -> import -> build."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from detente.cli import main as growth_main
from detente.errors import InputError
from detente.growth.add import AddOptions, add_article
from detente.growth.preannotate import preannotate
from detente.pipeline.build import BuildInputs
from detente.pipeline.clean import cleaner_id
from detente.pipeline.corpus import load_document
from detente.rawtext import doc_id_for
from growth_helpers import (
    ARTICLE,
    NEXT,
    RELEASED,
    check_new_release,
    incoming,
    repo_copy,
    review_rounds,
    simulated_reviewer,
    tree_bytes,
)


@pytest.fixture()
def repo(tmp_path: Path):
    return repo_copy(tmp_path)


def test_add_copies_bytes_writes_metadata_split_and_line_review(tmp_path, repo):
    splits_before = json.loads((repo.source / "splits.json").read_text())["assignments"]
    result = add_article(incoming(tmp_path, ARTICLE), repo.raw, repo.source, AddOptions(date="2023-11-07", url="https://example.org/a"))

    assert result.doc_id == doc_id_for(ARTICLE)
    assert (repo.raw / f"{result.doc_id}.txt").read_bytes() == ARTICLE
    doc = load_document(repo.raw / f"{result.doc_id}.txt")  # checks schema, hash, size and ID
    meta = doc.metadata
    assert meta["source_file"] == "blinken-wang.txt" and meta["language"] == "en" and meta["url"] == "https://example.org/a"
    assert meta["publication_date"] == {"value": "2023-11-07", "method": "inferred",
                                        "evidence": "Supplied by the maintainer with `detente add --date`; the page prints no date."}
    assert meta["publisher"] == {"value": None, "method": "unknown", "evidence": "Not supplied when the article was added (`detente add` without --publisher)."}
    assert meta["rights"] == {"statement": "Copyright 2023. All rights reserved.", "source": "stated"}  # the page's copyright line
    assert "URL" in meta["notes"]

    splits = json.loads((repo.source / "splits.json").read_text())["assignments"]
    assert splits == {**splits_before, result.doc_id: "test"} and result.split == "test"

    review = json.loads((repo.source / "line_review" / f"{result.doc_id}.json").read_text())
    assert [line["line"] for line in review["lines"]] == list(range(1, 12))
    assert {line["label_source"] for line in review["lines"]} == {"predicted"}
    assert review["lines"][5] | {"text": None} == {"line": 6, "text": None, "class": "content", "category": "body", "rule": "model:body", "label_source": "predicted"}
    assert review["lines"][0] | {"text": None} == {"line": 1, "text": None, "class": "boilerplate", "category": "navigation", "rule": "nav-words", "label_source": "predicted"}
    assert review["cleaner"] == cleaner_id()


def test_add_reads_a_printed_dateline_and_refuses_a_contradicting_date(tmp_path, repo):
    page = "Home\n14 June 2023\nBlinken and Qin Gang speak by phone ahead of a visit to Beijing\n" \
           "US Secretary of State Antony Blinken spoke by phone with Chinese Foreign Minister Qin Gang on Wednesday, officials said.\n"
    path = incoming(tmp_path, page.encode(), "dated.txt")
    before = tree_bytes(repo.root)
    with pytest.raises(InputError, match=r"dated.txt: --date 2023-06-20 contradicts the page's dateline on line 2"):
        add_article(path, repo.raw, repo.source, AddOptions(date="2023-06-20"))
    assert tree_bytes(repo.root) == before
    result = add_article(path, repo.raw, repo.source, AddOptions(publisher="Example Wire"))
    assert result.metadata["publication_date"] == {"value": "2023-06-14", "method": "stated", "evidence": "Line 2 (dateline): '14 June 2023'."}
    assert result.metadata["publisher"]["method"] == "inferred" and result.split == "train"


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (b"", AddOptions(date="2023-11-07"), "empty file: there is no article to add"),
        (b" \n\n", AddOptions(date="2023-11-07"), "empty file: there is no article to add"),
        ("Caf\u00e9 talks\n".encode("latin-1"), AddOptions(date="2023-11-07"), "not valid UTF-8 at byte 3"),
        (ARTICLE, AddOptions(), "the page prints no publication date the cleaner can read; pass --date YYYY-MM-DD"),
        (ARTICLE, AddOptions(date="2023-13-01"), "--date '2023-13-01' is not a date of the form YYYY-MM-DD"),
    ],
)
def test_bad_input_is_refused_naming_the_file_and_nothing_changes(tmp_path, repo, data, options, message):
    path = incoming(tmp_path, data, "bad.txt")
    before = tree_bytes(repo.root)
    with pytest.raises(InputError) as err:
        add_article(path, repo.raw, repo.source, options)
    assert str(err.value).startswith(str(path)) and message in str(err.value)
    assert tree_bytes(repo.root) == before


def test_adding_the_same_bytes_again_says_so_and_changes_nothing(tmp_path, repo, capsys):
    existing = repo.raw / "dtn-518a5a6a036e.txt"
    copy = incoming(tmp_path, existing.read_bytes(), "again.txt")
    before = tree_bytes(repo.root)
    with pytest.raises(InputError, match=rf"again.txt: already in the corpus as {existing} \(the same bytes\); nothing changed"):
        add_article(copy, repo.raw, repo.source, AddOptions(date="2023-06-14"))
    assert tree_bytes(repo.root) == before


def test_cli_add_prints_next_step_and_errors_exit_1(tmp_path, repo, capsys, monkeypatch):
    from detente import paths

    monkeypatch.setattr(paths, "RAW_DIR", repo.raw)
    monkeypatch.setattr(paths, "SOURCE_DIR", repo.source)
    path = incoming(tmp_path, ARTICLE)
    assert growth_main(["add", str(path), "--date", "2023-11-07"]) == 0
    out = capsys.readouterr().out
    assert f"next: detente preannotate {doc_id_for(ARTICLE)}" in out and "split: test" in out
    assert growth_main(["add", str(path), "--date", "2023-11-07"]) == 1
    assert "detente add: error:" in capsys.readouterr().err


def test_new_article_end_to_end_without_a_server(tmp_path):
    repo = repo_copy(tmp_path, with_release=True)
    doc_id = add_article(incoming(tmp_path, ARTICLE), repo.raw, repo.source, AddOptions(date="2023-11-07")).doc_id
    draft_path, draft = preannotate(doc_id, repo.raw, repo.source)
    assert draft["entities"] and draft["events"]

    # A draft never enters a release: building now leaves the new document pending.
    from detente.pipeline.build import assemble_release

    assert assemble_release(BuildInputs(raw_dir=repo.raw, source_dir=repo.source, changelog=None), NEXT).pending == [doc_id]

    first, second = review_rounds(tmp_path, repo, doc_id, simulated_reviewer)
    assert first.documents == {doc_id: "draft"} and "line review added raw line(s) 4, 9" in " ".join(first.messages)
    assert second.documents == {doc_id: "reviewed"}
    assert not (repo.source / "draft_clusters" / f"{doc_id}.yaml").exists()
    check_new_release(repo, doc_id)


def test_a_failed_write_leaves_the_corpus_unchanged_and_a_retry_adds(tmp_path, repo, monkeypatch):
    """Disk full while writing the third of the four files: nothing is renamed into place, and a retry works."""
    import detente.io

    path = incoming(tmp_path, ARTICLE)
    before = tree_bytes(repo.root)
    real_fsync, calls = detente.io.os.fsync, []

    def full_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(detente.io.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        add_article(path, repo.raw, repo.source, AddOptions(date="2023-11-07"))
    assert tree_bytes(repo.root) == before  # no raw copy, metadata, split or review file, and no temporary left
    monkeypatch.setattr(detente.io.os, "fsync", real_fsync)
    result = add_article(path, repo.raw, repo.source, AddOptions(date="2023-11-07"))
    assert json.loads((repo.source / "splits.json").read_text())["assignments"][result.doc_id] == "test"


def _add_in_child(raw: str, source: str, article: str) -> int:
    from detente import paths

    paths.RAW_DIR, paths.SOURCE_DIR = Path(raw), Path(source)
    return growth_main(["add", article, "--date", "2023-11-07"])


def test_concurrent_adds_all_reach_the_split_manifest(tmp_path, repo):
    """Twelve adds at once: the corpus lock makes them take turns, so no split assignment is lost."""
    import multiprocessing

    articles = [incoming(tmp_path, ARTICLE + f"Update {k}: a correction was appended.\n".encode(), f"a{k}.txt") for k in range(12)]
    context = multiprocessing.get_context("fork")
    with context.Pool(12) as pool:
        codes = pool.starmap(_add_in_child, [(str(repo.raw), str(repo.source), str(a)) for a in articles])
    assert codes == [0] * 12
    assignments = json.loads((repo.source / "splits.json").read_text())["assignments"]
    assert {doc_id_for(a.read_bytes()) for a in articles} <= set(assignments)
    assert all((repo.raw / f"{doc_id_for(a.read_bytes())}.json").exists() for a in articles)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp, "is a folder; give a file"),
        (lambda tmp: tmp / "missing.txt", "missing.txt: no such file"),
        (lambda tmp: (os.mkfifo(tmp / "pipe"), tmp / "pipe")[1], "pipe: is not a regular file (a FIFO)"),
    ],
)
def test_add_refuses_a_folder_a_missing_path_and_a_pipe(tmp_path, repo, monkeypatch, capsys, make, message):
    from detente import paths

    monkeypatch.setattr(paths, "RAW_DIR", repo.raw)
    monkeypatch.setattr(paths, "SOURCE_DIR", repo.source)
    assert growth_main(["add", str(make(tmp_path)), "--date", "2023-11-07"]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00" * 64, "holds no letters or digits"),
        (b"\x01\x02\x03\n\x04\x05\n", "holds no letters or digits"),
        (b"PK\x03\x04" + b"\x00\x10\x07" * 40 + b"word\n", "control characters: a binary file"),
    ],
)
def test_add_refuses_binary_or_control_only_files(tmp_path, repo, data, message):
    before = tree_bytes(repo.root)
    with pytest.raises(InputError, match=message):
        add_article(incoming(tmp_path, data, "odd.txt"), repo.raw, repo.source, AddOptions(date="2023-11-07"))
    assert tree_bytes(repo.root) == before


def test_a_dateline_that_cannot_be_read_is_named_in_the_error_and_in_the_evidence(tmp_path, repo):
    page = ARTICLE.replace(b"\n", b"\nPublished: 17 Septembre 2023\n", 1)  # a dateline in another language
    path = incoming(tmp_path, page, "undated.txt")
    from detente.pipeline.clean import clean_text

    assert "dateline" in clean_text(page.decode("utf-8")).categories
    with pytest.raises(InputError, match=r"is a dateline whose date could not be read; pass --date"):
        add_article(path, repo.raw, repo.source, AddOptions())
    result = add_article(path, repo.raw, repo.source, AddOptions(date="2023-11-07"))
    evidence = result.metadata["publication_date"]["evidence"]
    assert "could not be read" in evidence and "prints no date" not in evidence


def test_a_file_name_that_is_not_utf8_is_recorded_with_escapes(tmp_path, repo):
    import os

    name = os.fsdecode(b"caf\xe9 page.txt")
    path = tmp_path / name
    path.write_bytes(ARTICLE)
    result = add_article(path, repo.raw, repo.source, AddOptions(date="2023-11-07"))
    assert result.metadata["source_file"] == "caf\\xe9 page.txt"
    json.dumps(result.metadata, ensure_ascii=False).encode("utf-8")  # text all the way through


def test_building_between_add_and_review_says_what_is_pending_and_writes_nothing(tmp_path):
    """The published version's only change would be its pending list: the refusal says so, not "bump the version"."""
    from detente.errors import ReleaseExistsError
    from detente.pipeline.build import build

    repo = repo_copy(tmp_path, with_release=True)
    released = tree_bytes(repo.annotated)
    doc_id = add_article(incoming(tmp_path, ARTICLE), repo.raw, repo.source, AddOptions(date="2023-11-07")).doc_id
    inputs = BuildInputs(raw_dir=repo.raw, source_dir=repo.source, changelog=None)
    with pytest.raises(ReleaseExistsError, match=rf"version {RELEASED} is published, and the only change is the new document\(s\) {doc_id}, "
                                                 r"added but not reviewed yet \(MANIFEST.json's pending list\); nothing was written"):
        build(inputs, out_root=repo.annotated, version=RELEASED)
    # a published checksum list that was edited is not hidden behind the pending list
    sums = repo.annotated / RELEASED / "SHA256SUMS"
    lines = sums.read_bytes().split(b"\n")
    lines[2] = b"0" * 64 + lines[2][64:]  # another file's checksum
    sums.write_bytes(b"\n".join(lines))
    with pytest.raises(ReleaseExistsError, match=r"already published with different content \(MANIFEST.json, SHA256SUMS would differ\)"):
        build(inputs, out_root=repo.annotated, version=RELEASED)
    sums.write_bytes(released[f"{RELEASED}/SHA256SUMS"])
    # a published folder that was edited: named, with both ways out
    (repo.annotated / RELEASED / "ner" / "test.jsonl").write_bytes(b"")
    with pytest.raises(ReleaseExistsError, match=r"already published with different content \(MANIFEST.json, SHA256SUMS, ner/test.jsonl would differ\); "
                                                 r"if the sources changed, bump DATASET_VERSION .* restore it"):
        build(inputs, out_root=repo.annotated, version=RELEASED)
    (repo.annotated / RELEASED / "ner" / "test.jsonl").write_bytes(released[f"{RELEASED}/ner/test.jsonl"])
    assert tree_bytes(repo.annotated) == released
