#!/usr/bin/env python3
"""Time `detente evaluate` on a large predictions file. Prints figures; asserts nothing.

    .venv/bin/python scripts/bench_evaluate.py                      # 200 MB for the test split of the current release
    .venv/bin/python scripts/bench_evaluate.py --documents 2000     # the same bytes spread over 2,000 documents

In a temporary folder it writes a valid predictions file of about --megabytes for the --split documents of the
release. Each document's line holds its gold (so every gold span is found: recall is 1.0) followed by spurious
predictions until the file reaches the size: entity spans of 1-20 characters at random places with random types,
and events with random trigger spans, PLOVER types and up to three random arguments, about half of the bytes each
(fixed seed: the same options give the same file). A document may have only one line, so when the split holds one
document (the test split of 0.4.0 does) the file is one line of that size, the worst case for memory: the evaluator
holds one document's predictions at a time. With --documents N the script first writes a temporary release whose
split repeats the split's documents under N new doc_ids (same text and gold) and spreads the bytes over N lines.

It then runs `detente evaluate --json` on the file in a child process that imports detente from the scripts/
folder beside this script, and prints the wall-clock seconds and the child's peak resident memory (getrusage of
that child, through os.wait4), with the strict entity F1 and trigger classification F1 of the report as a check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TextIO

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

from detente import paths  # noqa: E402
from detente.bench.evaluate import gold_as_predictions, load_gold  # noqa: E402
from detente.schemas import label_set  # noqa: E402

MB = 1024 * 1024


def spurious_span(rng: random.Random, text: str, longest: int) -> dict[str, Any]:
    start = rng.randrange(len(text))
    end = min(len(text), start + rng.randint(1, longest))
    return {"start": start, "end": end, "text": text[start:end]}


def spurious_entity(rng: random.Random, text: str, labels: dict[str, list[str]]) -> dict[str, Any]:
    return {**spurious_span(rng, text, 20), "type": rng.choice(labels["entity_type"])}


def spurious_event(rng: random.Random, text: str, labels: dict[str, list[str]]) -> dict[str, Any]:
    arguments = [{**spurious_span(rng, text, 20), "role": rng.choice(labels["argument_role"])} for _ in range(rng.randint(0, 3))]
    return {"trigger": spurious_span(rng, text, 12), "plover": rng.choice(labels["plover_type"]), "realis": rng.choice(labels["realis"]), "arguments": arguments}


def write_items(out: TextIO, gold: list[dict[str, Any]], make: Callable[[], dict[str, Any]], budget: int) -> int:
    """Write a JSON array: the gold items, then spurious ones until about `budget` bytes; return the item count."""
    out.write("[")
    written, count = 0, 0
    for item in gold:
        written += out.write((", " if count else "") + json.dumps(item, ensure_ascii=False))
        count += 1
    while written < budget:
        written += out.write((", " if count else "") + json.dumps(make(), ensure_ascii=False))
        count += 1
    out.write("]")
    return count


def write_predictions(documents: list[dict[str, Any]], path: Path, megabytes: float, seed: int) -> tuple[int, int]:
    """One line per document, about `megabytes` in all; return (lines, predictions)."""
    rng = random.Random(seed)
    labels = {name: label_set(name) for name in ("entity_type", "plover_type", "argument_role", "realis")}
    per_document = megabytes * MB / len(documents)
    predictions = 0
    with path.open("w", encoding="utf-8") as out:
        for doc in documents:
            gold = gold_as_predictions(doc)
            text = doc["text"]
            out.write(f'{{"doc_id": {json.dumps(doc["id"])}, "entities": ')
            predictions += write_items(out, gold["entities"], partial(spurious_entity, rng, text, labels), int(per_document / 2))
            out.write(', "events": ')
            predictions += write_items(out, gold["events"], partial(spurious_event, rng, text, labels), int(per_document / 2))
            out.write("}\n")
    return len(documents), predictions


def repeated_release(documents: list[dict[str, Any]], split: str, count: int, folder: Path) -> list[dict[str, Any]]:
    """A release folder whose `split` holds `count` copies of `documents` under new doc_ids."""
    copies = [{**documents[k % len(documents)], "id": f"dtn-{k:012x}"} for k in range(count)]
    (folder / "documents").mkdir(parents=True)
    with (folder / "documents" / f"{split}.jsonl").open("w", encoding="utf-8") as out:
        for doc in copies:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return copies


def run_evaluate(arguments: list[str], stdout: Path) -> tuple[float, float, int]:
    """Run `detente evaluate ARGUMENTS` in a child process: (seconds, peak RSS in MB, exit status)."""
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS)}
    started = time.perf_counter()
    with stdout.open("w") as out:
        child = subprocess.Popen([sys.executable, "-m", "detente.cli", "evaluate", *arguments], stdout=out, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen, so it does not wait again
    return seconds, usage.ru_maxrss / 1024, child.returncode  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=200, help="size of the predictions file (default 200)")
    parser.add_argument("--split", default="test", choices=["train", "validation", "test"])
    parser.add_argument("--release", help="release version or folder (default: the current one)")
    parser.add_argument("--documents", type=int, help="spread the file over this many documents (a temporary release repeating the split's documents)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them (default: a temporary folder, removed)")
    args = parser.parse_args()

    release = paths.release_folder(args.release)
    documents = load_gold(release, args.split)
    with tempfile.TemporaryDirectory(prefix="bench-evaluate-") as temporary:
        work = Path(args.keep) if args.keep else Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        if args.documents:
            release = work / "release"
            documents = repeated_release(documents, args.split, args.documents, release)
        predictions = work / "predictions.jsonl"
        started = time.perf_counter()
        lines, count = write_predictions(documents, predictions, args.megabytes, args.seed)
        print(f"wrote {predictions.stat().st_size / MB:.1f} MB: {lines:,} line(s), {count:,} predictions for {len(documents):,} {args.split} document(s) "
              f"of {release} ({time.perf_counter() - started:.1f} s)")
        report = work / "report.json"
        seconds, peak, status = run_evaluate(["--split", args.split, "--release", str(release), "--predictions", str(predictions), "--json", str(report)], work / "stdout.txt")
        if status != 0:
            print(f"detente evaluate failed (exit status {status}) after {seconds:.1f} s, peak {peak:,.0f} MB")
            return 1
        figures = json.loads(report.read_text(encoding="utf-8"))
        print(f"detente evaluate: {seconds:.1f} s, peak memory {peak:,.0f} MB "
              f"(strict entity F1 {figures['entities']['strict']['micro']['f1']:.4f}, trigger classification F1 {figures['events']['trigger_classification']['f1']:.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
