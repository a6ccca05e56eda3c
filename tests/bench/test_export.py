"""Exports: CoNLL-2003 (parsed back by `datasets`' conll builder), brat standoff and TextEE-style JSON."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO
from detente.bench.evaluate import load_gold
from detente.bench.export import to_brat, to_conll, to_textee
from detente.io import read_jsonl
from detente.pipeline.splits import SPLITS
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION


def test_conll_round_trips_through_the_datasets_conll_builder(tmp_path):
    from datasets import ClassLabel, Features, List, Value, load_dataset

    docs = load_gold(RELEASE, "test")
    path = tmp_path / "test.conll"
    path.write_text(to_conll(docs), encoding="utf-8")
    ner = read_jsonl(RELEASE / "ner" / "test.jsonl")
    names = sorted({t for r in ner for t in r["ner_tags"]})
    features = Features({"id": Value("string"), "tokens": List(Value("string")), "pos_tags": List(Value("string")), "chunk_tags": List(Value("string")), "ner_tags": List(ClassLabel(names=names))})
    loaded = load_dataset("conll", data_files={"test": str(path)}, column_names=["tokens", "pos_tags", "chunk_tags", "ner_tags"], features=features, split="test", cache_dir=str(tmp_path / "c"))
    expected = [r for r in ner if r["tokens"]]
    assert [row["tokens"] for row in loaded] == [r["tokens"] for r in expected]
    assert [[names[i] for i in row["ner_tags"]] for row in loaded] == [r["ner_tags"] for r in expected]


_T = re.compile(r"^T(\d+)\t(\S+) (\d+) (\d+)\t(.*)$")
_E = re.compile(r"^E(\d+)\t(\S+):T(\d+)((?: \S+:T\d+)*)$")


def test_brat_ann_follows_the_standoff_shape_and_reproduces_spans():
    for split in SPLITS:
        for doc in load_gold(RELEASE, split):
            txt, ann = to_brat(doc)
            textbound, events = {}, 0
            for line in ann.splitlines():
                if line.startswith("T"):
                    number, _, start, end, covered = _T.match(line).groups()
                    assert txt[int(start) : int(end)] == covered
                    textbound[number] = covered
                elif line.startswith("E"):
                    groups = _E.match(line).groups()
                    assert groups[2] in textbound
                    for role_arg in groups[3].split():
                        assert role_arg.split(":T")[1] in textbound
                    events += 1
                else:
                    assert re.match(r"^(A\d+\t(Realis|Mode) E\d+ \S+|#\d+\tAnnotatorNotes E\d+\t.+)$", line), line
            assert events == len(doc["events"])
            assert len(textbound) == len(doc["entities"]) + len(doc["events"])


def test_textee_records_have_the_documented_fields_and_token_offsets():
    for doc in load_gold(RELEASE, "validation"):
        records = to_textee(doc)
        assert len(records) == len(doc["text"].split("\n"))
        mentions = sum(len(r["entity_mentions"]) for r in records)
        assert mentions == len(doc["entities"])
        assert sum(len(r["event_mentions"]) for r in records) == len(doc["events"])
        for r in records:
            assert set(r) == {"doc_id", "wnd_id", "text", "tokens", "entity_mentions", "relation_mentions", "event_mentions"}
            ids = {m["id"] for m in r["entity_mentions"]}
            for m in r["entity_mentions"]:
                assert "".join(r["tokens"][m["start"] : m["end"]]) == m["text"].replace(" ", "")
            for e in r["event_mentions"]:
                assert "".join(r["tokens"][e["trigger"]["start"] : e["trigger"]["end"]]) == e["trigger"]["text"].replace(" ", "")
                assert all(a["entity_id"] in ids for a in e["arguments"])
        json.dumps(records)


@pytest.mark.parametrize("inside", ["annotated/{version}", "annotated/{version}/documents", "annotated/source", "annotated"])
def test_export_never_writes_into_a_release_or_the_sources(capsys, inside):
    from detente.cli import main
    from detente.version import DATASET_VERSION

    target = REPO / inside.format(version=DATASET_VERSION)
    before = sorted(p.relative_to(REPO) for p in (REPO / "annotated").rglob("*"))
    assert main(["export", "conll", "--out", str(target)]) == 1
    assert "is inside" in capsys.readouterr().err
    assert sorted(p.relative_to(REPO) for p in (REPO / "annotated").rglob("*")) == before


def test_brat_export_carries_an_annotation_conf_that_declares_every_label_used(tmp_path):
    from detente.cli import main

    assert main(["export", "brat", "--out", str(tmp_path)]) == 0
    for split in SPLITS:
        conf = (tmp_path / split / "annotation.conf").read_text(encoding="utf-8")
        sections = dict.fromkeys(["[entities]", "[relations]", "[events]", "[attributes]"])
        assert all(name in conf for name in sections)
        entities = conf.split("[entities]\n")[1].split("[relations]")[0].split()
        events = {line.split("\t")[0]: line.split("\t")[1] for line in conf.split("[events]\n")[1].split("[attributes]")[0].strip().split("\n")}
        for ann in (tmp_path / split).glob("*.ann"):
            for line in ann.read_text(encoding="utf-8").splitlines():
                ident, _, rest = line.partition("\t")
                if ident.startswith("E"):
                    label, *arguments = rest.split()
                    label = label.split(":")[0]
                    assert label in events, label
                    for argument in arguments:
                        role = argument.split(":")[0].rstrip("0123456789")
                        assert f"{role}*:<ENTITY>" in events[label], (label, role)
                elif ident.startswith("T") and rest.split()[0] not in events:
                    assert rest.split()[0] in entities
                elif ident.startswith("A"):
                    name, _, value = rest.split()
                    assert value in conf.split(f"{name}\tArg:<EVENT>, Value:")[1].split("\n")[0].split("|")
