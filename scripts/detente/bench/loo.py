"""Leave-one-document-out protocol: with a test split of one document, a baseline's spread over documents.

For each document of the release (every split together), the baseline is trained on all the others and scored
on the held-out one with `evaluate`; the report gives each fold's headline F1s and their mean and standard
deviation over folds (sample standard deviation, n - 1).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from detente.bench.baselines import LexicalBaseline
from detente.bench.evaluate import evaluate, load_gold, parse_predictions
from detente.errors import InputError
from detente.io import check_output_file, json_bytes, write_bytes_atomically
from detente.pipeline.splits import SPLITS

BASELINES = ("lexical",)
MEASURES = {  # report key -> (path in the evaluate report)
    "entity_strict_names": ("entities", "strict", "micro", "f1"),
    "entity_partial_names": ("entities", "partial_overlap", "micro", "f1"),
    "trigger_identification": ("events", "trigger_identification", "f1"),
    "trigger_classification": ("events", "trigger_classification", "f1"),
    "argument_identification": ("events", "argument_identification", "f1"),
    "argument_classification": ("events", "argument_classification", "f1"),
}

HEADERS = {
    "entity_strict_names": "entity strict", "entity_partial_names": "entity partial", "trigger_identification": "trigger id",
    "trigger_classification": "trigger+type", "argument_identification": "arg id", "argument_classification": "arg+role",
}


def _get(report: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = report
    for key in path:
        value = value[key]
    return float(value)


def leave_one_out(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Folds of the lexical baseline over `documents` (gold release records) and their mean and sd by measure."""
    if len(documents) < 2:
        raise InputError("leave-one-out", f"needs two documents or more, the release has {len(documents)}")
    folds = []
    for held_out in documents:
        model = LexicalBaseline().fit([d for d in documents if d["id"] != held_out["id"]])
        report = evaluate([held_out], parse_predictions([json.dumps(model.predict(held_out))], [held_out]), bootstrap=0)
        folds.append({"doc_id": held_out["id"], **{name: _get(report, path) for name, path in MEASURES.items()}})
    summary = {name: {"mean": round(statistics.mean(f[name] for f in folds), 4), "sd": round(statistics.stdev(f[name] for f in folds), 4)} for name in MEASURES}
    return {"protocol": "leave-one-document-out", "baseline": "lexical", "documents": len(documents), "folds": folds, "summary": summary}


def format_loo(report: dict[str, Any], version: str) -> str:
    names = list(MEASURES)
    out = [f"leave-one-document-out, {report['baseline']} baseline, release {version}: {report['documents']} folds (each document held out, trained on the others)"]
    out.append(f"{'F1, held out':<18}" + "".join(f"{HEADERS[name]:>16}" for name in names))
    for fold in report["folds"]:
        out.append(f"{fold['doc_id']:<18}" + "".join(f"{fold[name]:>16.3f}" for name in names))
    out.append(f"{'mean ± sd':<18}" + "".join(f"{report['summary'][n]['mean']:>8.3f} ± {report['summary'][n]['sd']:.3f}" for n in names))
    out.append("(entity: nervaluate strict and partial over name-level mentions; sd: sample standard deviation over folds, n - 1)")
    return "\n".join(out)


def main_loo(baseline: str | None, release_dir: Path, json_out: str | None) -> int:
    """`detente evaluate --protocol loo --baseline lexical [--release V] [--json OUT]`."""
    if baseline not in BASELINES:
        raise InputError("--baseline", f"the loo protocol trains a baseline on each fold: give --baseline {' or '.join(BASELINES)}")
    if json_out:
        check_output_file(Path(json_out))
    documents = [doc for split in SPLITS for doc in load_gold(release_dir, split)]
    report = leave_one_out(documents)
    print(format_loo(report, release_dir.name))
    if json_out:
        write_bytes_atomically(Path(json_out), json_bytes(report))
    return 0
