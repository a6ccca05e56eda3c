"""Headline scores: names-only entity F1 equals CoNLL strict span F1 on the `ner` config and the CoNLL export;
all-levels and level accuracy; bootstrap intervals; leave-one-document-out; the README's Python call; --help."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import statistics

import pytest

from conftest import REPO
from detente.bench.baselines import LexicalBaseline
from detente.bench.evaluate import evaluate, format_report, gold_as_predictions, load_gold, parse_predictions
from detente.bench.export import to_conll
from detente.bench.loo import leave_one_out
from detente.cli import _parser, main
from detente.io import iter_jsonl
from detente.version import DATASET_VERSION

RELEASE = REPO / "annotated" / DATASET_VERSION


def _report(gold: list[dict], predictions: list[dict], bootstrap: int = 1000) -> dict:
    return evaluate(gold, parse_predictions([json.dumps(p) for p in predictions], gold), bootstrap=bootstrap)


def _chunks(tags: list[str]) -> set[tuple[int, int, str]]:
    """(first token, last token, type) of IOB2 tags (well-formed: every chunk opens with B-), as seqeval's strict mode reads them."""
    found, start = set(), None
    for k, tag in enumerate([*tags, "O"]):
        if start is not None and not tag.startswith("I-"):
            found.add((start, k - 1, tags[start][2:]))
            start = None
        if tag.startswith("B-"):
            start = k
    return found


def _span_f1(gold_rows: list[list[str]], predicted_rows: list[list[str]]) -> float:
    tp = fp = fn = 0
    for gold, predicted in zip(gold_rows, predicted_rows, strict=True):
        g, p = _chunks(gold), _chunks(predicted)
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return 2 * tp / (2 * tp + fp + fn)


def _iob2(row: dict, mentions: list[dict]) -> list[str]:
    """Predicted name mentions as IOB2 tags over a `ner` row's tokens; the cases here all fall on token edges."""
    starts = {s: k for k, s in enumerate(row["token_starts"])}
    ends = {s + len(t): k for k, (s, t) in enumerate(zip(row["token_starts"], row["tokens"]))}
    tags = ["O"] * len(row["tokens"])
    first_char, last_char = row["token_starts"][0], max(ends)
    for m in (m for m in mentions if first_char <= m["start"] and m["end"] <= last_char):  # the row's paragraph
        first, last = starts[m["start"]], ends[m["end"]]  # a KeyError here: a case this test does not cover
        tags[first : last + 1] = [f"B-{m['type']}"] + [f"I-{m['type']}"] * (last - first)
    return tags


def _conll_tags(text: str) -> list[list[str]]:
    blocks = [b for b in text.split("\n\n") if b.strip() and not b.startswith("-DOCSTART-")]
    return [[line.split(" ")[-1] for line in block.strip("\n").split("\n")] for block in blocks]


def test_names_only_strict_f1_equals_conll_strict_on_ner_rows_and_export():
    # nervaluate's strict and CoNLL strict count alike when predictions do not overlap one another (as IOB2 tags
    # cannot): a prediction on a gold span with the wrong type, or overlapping a gold span, is one `incorrect` in
    # nervaluate (in both actual and possible) and one false positive plus one false negative in CoNLL, which gives
    # the same F1. They differ only for overlapping predictions (nervaluate may pair a partial one with a gold
    # mention first); IOB2 cannot express those, so these cases have none.
    gold = load_gold(RELEASE, "test")
    ner = [row for _, row in iter_jsonl(RELEASE / "ner" / "test.jsonl")]
    conll_gold = _conll_tags(to_conll(gold))
    rows = [r for r in ner if r["tokens"]]  # the CoNLL export leaves out empty paragraphs
    assert [r["ner_tags"] for r in rows] == conll_gold

    lexical = LexicalBaseline().fit(load_gold(RELEASE, "train")).predict(gold[0])
    one_missing = gold_as_predictions(gold[0])
    names = [m for m in one_missing["entities"] if m["level"] == "name"]
    one_missing["entities"].remove(names[3])
    nominal_added = {**lexical, "entities": [*lexical["entities"], {"start": 8, "end": 24, "type": "TITLE", "level": "nominal"}]}
    cases = {"lexical": lexical, "gold less one name": one_missing, "lexical + a nominal": nominal_added}
    f1s = {}
    for name, predicted in cases.items():
        headline = _report(gold, [predicted], bootstrap=0)["entities"]["strict"]["micro"]["f1"]
        mentions = [m for m in predicted["entities"] if m.get("level", "name") == "name"]
        tags = [_iob2(r, mentions) for r in rows]
        assert headline == round(_span_f1([r["ner_tags"] for r in rows], tags), 4) == round(_span_f1(conll_gold, tags), 4), name
        f1s[name] = headline
    assert f1s["lexical"] == f1s["lexical + a nominal"] < f1s["gold less one name"] < 1.0


def test_all_levels_secondary_and_level_accuracy():
    gold = load_gold(RELEASE, "test")
    perfect = gold_as_predictions(gold[0])
    report = _report(gold, [perfect], bootstrap=0)
    assert report["entities_all_levels"]["strict"]["micro"]["f1"] == report["entities"]["strict"]["micro"]["f1"] == 1.0
    levels = [m["level"] for m in perfect["entities"]]
    assert report["level_accuracy_on_matched"] == {"correct": len(levels), "scored": len(levels), "accuracy": 1.0}
    # Every non-name mention called a name: the headline counts them as spurious; the all-levels view as correct spans, wrong levels.
    renamed = {**perfect, "entities": [{**m, "level": "name"} for m in perfect["entities"]]}
    report = _report(gold, [renamed], bootstrap=0)
    others = sum(level != "name" for level in levels)
    assert others > 0
    assert report["entities"]["strict"]["micro"]["spurious"] == others
    assert report["entities_all_levels"]["strict"]["micro"]["f1"] == 1.0
    assert report["level_accuracy_on_matched"]["correct"] == len(levels) - others
    # Without level, predictions count as names and level is not scored.
    bare = {**perfect, "entities": [{k: v for k, v in m.items() if k != "level"} for m in perfect["entities"]]}
    assert _report(gold, [bare], bootstrap=0)["level_accuracy_on_matched"]["accuracy"] is None


def test_bootstrap_intervals_one_document_many_documents_deterministic_and_off():
    test = load_gold(RELEASE, "test")
    model = LexicalBaseline().fit(load_gold(RELEASE, "train"))
    report = _report(test, [model.predict(d) for d in test])
    measures = report["confidence_intervals"]["measures"]
    assert set(measures) == {"entity_strict_names", "trigger_identification", "trigger_classification", "argument_classification"}
    for v in measures.values():
        assert v["documents"] is None  # one document: no interval
        assert v["items"]["low"] <= v["f1"] <= v["items"]["high"]
        assert v["items"]["low"] < v["items"]["high"]
    assert measures["entity_strict_names"]["f1"] == report["entities"]["strict"]["micro"]["f1"]
    printed = format_report(report, "test")
    assert "documents n/a (1 document)" in printed and "1000 resamples, seed 13" in printed
    assert _report(test, [model.predict(d) for d in test]) == report  # fixed seed: the same figures

    validation = load_gold(RELEASE, "validation")
    model = LexicalBaseline().fit(validation)  # a model that has seen one document of three: intervals over documents are wide
    train = load_gold(RELEASE, "train")
    measures = _report(train, [model.predict(d) for d in train])["confidence_intervals"]["measures"]
    per_document = [_report([d], [model.predict(d)], bootstrap=0)["entities"]["strict"]["micro"]["f1"] for d in train]
    documents = measures["entity_strict_names"]["documents"]
    assert min(per_document) - 1e-4 <= documents["low"] < documents["high"] <= max(per_document) + 1e-4

    perfect = _report(train, [gold_as_predictions(d) for d in train])["confidence_intervals"]["measures"]
    assert all(v["documents"] == v["items"] == {"low": 1.0, "high": 1.0} for v in perfect.values())
    assert _report(train, [], bootstrap=0)["confidence_intervals"] == {"resamples": 0}


def test_leave_one_document_out_folds_mean_and_sd(tmp_path):
    documents = [d for split in ("train", "validation", "test") for d in load_gold(RELEASE, split)]
    out = tmp_path / "loo.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["evaluate", "--protocol", "loo", "--baseline", "lexical", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [f["doc_id"] for f in report["folds"]] == [d["id"] for d in documents]
    assert report == leave_one_out(documents)
    # The test document's fold: trained on the four others, scored on it, as evaluate scores it.
    test = load_gold(RELEASE, "test")
    model = LexicalBaseline().fit([d for d in documents if d["id"] != test[0]["id"]])
    direct = _report(test, [model.predict(test[0])], bootstrap=0)
    fold = next(f for f in report["folds"] if f["doc_id"] == test[0]["id"])
    assert fold["entity_strict_names"] == direct["entities"]["strict"]["micro"]["f1"]
    assert fold["argument_classification"] == direct["events"]["argument_classification"]["f1"]
    values = [f["trigger_identification"] for f in report["folds"]]
    assert report["summary"]["trigger_identification"] == {"mean": round(statistics.mean(values), 4), "sd": round(statistics.stdev(values), 4)}
    assert f"{report['summary']['entity_strict_names']['mean']:.3f} ± {report['summary']['entity_strict_names']['sd']:.3f}" in printed.getvalue()
    assert main(["evaluate", "--protocol", "loo"]) == 1  # no baseline named


def test_readme_python_snippet_runs_as_written_on_load_dataset_rows(monkeypatch):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "parse_predictions(" in b)
    monkeypatch.chdir(REPO)
    printed = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    rows = namespace["gold_documents"]
    assert isinstance(rows[0]["entities"][0]["type"], int)  # ClassLabels as datasets returns them
    # The same report as from the release's JSONL records (labels as strings).
    gold = load_gold(RELEASE, "test")
    assert namespace["report"] == evaluate(gold, parse_predictions(namespace["lines"], gold))
    assert namespace["report"]["entities"]["strict"]["micro"]["correct"] == 1
    assert "entity_strict_names" in printed.getvalue()
    assert os.environ["HF_DATASETS_OFFLINE"] == "1"


def test_evaluate_help_describes_every_option():
    evaluate_parser = _parser()._subparsers._group_actions[0].choices["evaluate"]  # type: ignore[union-attr]
    options = [a for a in evaluate_parser._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in options} == {"predictions", "split", "release", "json_out", "bootstrap", "protocol", "baseline"}
    assert all(a.help for a in options)


def test_class_labels_decode_as_datasets_names_them_without_importing_datasets():
    """gold_document reads a `load_dataset` row's class labels from the schema-derived structure: the same names as
    the ClassLabels `datasets` builds from that structure, and an out-of-range index is refused as int2str refuses it."""
    import subprocess
    import sys

    from datasets import ClassLabel

    from detente.bench.evaluate import DOCUMENT_COLUMNS, _decode
    from detente.features import config_features
    from detente.structure import Label, ListOf, Struct

    features = config_features("documents")

    def pairs(node, feature):  # every Label with its ClassLabel
        if isinstance(node, Label):
            yield node, feature
        elif isinstance(node, ListOf):
            yield from pairs(node.item, feature.feature)
        elif isinstance(node, Struct):
            for name, child in node.fields:
                yield from pairs(child, feature[name])

    labels = [pair for name, node in DOCUMENT_COLUMNS.items() for pair in pairs(node, features[name])]
    assert len(labels) >= 5  # entity type and level, PLOVER, ACE, realis, ...
    for node, class_label in labels:
        assert isinstance(class_label, ClassLabel)
        assert [_decode(node, k) for k in range(class_label.num_classes)] == [class_label.int2str(k) for k in range(class_label.num_classes)]
        assert _decode(node, "kept as it is") == "kept as it is"
        for bad in (-1, class_label.num_classes):
            with pytest.raises(ValueError, match="Invalid integer class label"):
                _decode(node, bad)
            with pytest.raises(ValueError):
                class_label.int2str(bad)
    imported = subprocess.run([sys.executable, "-c", "import sys, detente.bench.evaluate; print('datasets' in sys.modules)"],
                              capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "False"
