"""Command line (`detente clean|train-cleaner|evaluate-lines|build|validate|splits|check-annotations|agreement|evaluate|baseline|export|site|add|preannotate|labelstudio|scale`). Parsing and printing only; the stages hold the logic."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from detente.errors import DetenteError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="detente", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    clean = sub.add_parser("clean", help="print the clean text of raw page-text files")
    clean.add_argument("paths", nargs="+", metavar="PATH")
    clean.add_argument("--labels", action="store_true", help="print each line's class, category and rule instead")
    sub.add_parser("build", help="build annotated/<version>/ and refresh the README card")
    validate = sub.add_parser("validate", help="check a published release against its manifest and schemas")
    validate.add_argument("version", nargs="?", help="default: the current version")
    sub.add_parser("splits", help="append documents missing from the split manifest, by the documented rule")
    check = sub.add_parser("check-annotations", help="compile annotation source files and report every error")
    check.add_argument("paths", nargs="+", metavar="YAML")
    check.add_argument("--text-dir", help="folder of <doc_id>.txt clean texts (default: clean the raw file)")
    check.add_argument("--entities", action="append", default=[], help="extra entity registry file(s)")
    check.add_argument("--events", action="append", default=[], help="extra event registry file(s)")
    agree = sub.add_parser("agreement", help="inter-annotator agreement between two folders of annotation sources")
    agree.add_argument("reference_dir")
    agree.add_argument("prediction_dir")
    agree.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    agree.add_argument("--text-dir")
    agree.add_argument("--entities", action="append", default=[])
    agree.add_argument("--events", action="append", default=[])
    agree.add_argument("--json", dest="json_out", help="also write the figures as JSON here")
    agree.add_argument("--diff", action="store_true", help="list every disagreement (for adjudication)")
    evaluate = sub.add_parser("evaluate", help="score a predictions file against the gold of a split")
    evaluate.add_argument("--predictions", required=True, metavar="FILE")
    evaluate.add_argument("--split", default="test", choices=["train", "validation", "test"])
    evaluate.add_argument("--release", help="release version (default: the current one)")
    evaluate.add_argument("--json", dest="json_out", help="also write the report as JSON here")
    baseline = sub.add_parser("baseline", help="write a baseline's predictions for a split")
    baseline.add_argument("name", choices=["lexical", "spacy", "gliner"])
    baseline.add_argument("--split", default="test", choices=["train", "validation", "test"])
    baseline.add_argument("--release", help="release version (default: the current one)")
    baseline.add_argument("--model", help="spaCy pipeline name or GLiNER model folder (never downloaded)")
    baseline.add_argument("--out", required=True, metavar="FILE")
    export = sub.add_parser("export", help="export the gold to a standard format")
    export.add_argument("format", choices=["conll", "brat", "oneie"])
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument("--release", help="release version (default: the current one)")
    site = sub.add_parser("site", help="write the static HTML browser of a release (articles, event timeline, entity index)")
    site.add_argument("--release", help="release version (default: the current one)")
    site.add_argument("--out", metavar="DIR", help="output folder (default: site/)")
    scale = sub.add_parser("scale", help="clean a crawl (.txt articles and/or .jsonl files) into sharded Parquet + JSONL (one machine, or datatrove)")
    scale.add_argument("input", metavar="INPUT", help='folder searched recursively: *.txt files, one article each, and *.jsonl files, one article per line ({"text": ...})')
    scale.add_argument("--out", required=True, help="output folder; must not exist or be empty")
    scale.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    scale.add_argument("--shard-size", type=int, default=1000, help="articles per output part (default: 1000)")
    scale.add_argument("--engine", choices=["local", "datatrove"], default="local", help="local: multiprocessing (default); datatrove: the scale-out path")
    scale.add_argument("--logging-dir", help="datatrove only: plan, logs, stats and completion markers (default OUT.datatrove-logs); reuse it to resume")
    train = sub.add_parser("train-cleaner", help="train the cleaner's line model from folders of line-labelled pages (raw/ + gold/*.tsv)")
    train.add_argument("--data", nargs="+", required=True, metavar="DIR", help="folders of raw/<id>.txt + gold/<id>.tsv (e.g. ../shared/boilerplate/train)")
    train.add_argument("--out", required=True, metavar="FILE", help="model file to write (JSON; the packaged one is scripts/detente/lines/line_model.json)")
    train.add_argument("--tune", metavar="DIR", help="choose the content threshold on these pages (e.g. ../shared/boilerplate/dev); default: on held-out sites of --data")
    train.add_argument("--seed", type=int, default=13, help="random seed (default 13, the packaged model's)")
    train.add_argument("--rounds", type=int, default=200, help="boosting rounds per stage (default 200, the packaged model's)")
    lines = sub.add_parser("evaluate-lines", help="score content/non-content line predictions against gold line labels")
    lines.add_argument("--predictions", metavar="FILE", help='JSONL, one {"doc_id", "line", "content"} per line (schema/line_predictions.schema.json); default: run the cleaner')
    lines.add_argument("--gold", required=True, metavar="DIR", help="a release folder (annotated/<version>) or a folder of raw/ + gold/*.tsv")
    lines.add_argument("--model", metavar="FILE", help="with no --predictions: the line model to run (default: the packaged one)")
    lines.add_argument("--json", dest="json_out", help="also write the report as JSON here")
    from detente.growth_cli import register

    register(sub)  # add, preannotate, labelstudio export|import|serve
    return parser


def _release_dir(version: str | None):
    from detente.paths import ANNOTATED_DIR
    from detente.version import DATASET_VERSION

    path = ANNOTATED_DIR / (version or DATASET_VERSION)
    if not path.is_dir():
        raise DetenteError(f"{path}: no such release")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "clean":
            from detente.clean import main_clean

            return main_clean(args.paths, show_labels=args.labels)
        if args.command == "build":
            from detente.card import write_card
            from detente.build import build, format_counts

            release, status = build()
            print(format_counts(release))
            print(f"annotated/{release.version}/: {status}")
            print(f"card: {write_card(release)}")
            from detente.paths import ANNOTATED_DIR, RAW_DIR
            from detente.site import DEFAULT_OUT_DIR, build_site

            counts = build_site(ANNOTATED_DIR / release.version, RAW_DIR, DEFAULT_OUT_DIR)
            print(f"site: {DEFAULT_OUT_DIR / 'index.html'} ({counts['articles']} article pages, {counts['timeline_marks']} timeline marks)")
            return 0
        if args.command == "validate":
            from detente.validate import main_validate

            return main_validate(args.version)
        if args.command == "splits":
            from detente.splits import main_splits

            return main_splits()
        if args.command == "check-annotations":
            from detente.annotate import main_check

            return main_check(args.paths, args.text_dir, args.entities, args.events)
        if args.command == "agreement":
            from detente.agreement import main_agreement

            return main_agreement(args.reference_dir, args.prediction_dir, args.doc_ids, args.text_dir, args.entities, args.events, args.json_out, args.diff)
        if args.command == "train-cleaner":
            from detente.lines.train import main_train_cleaner

            return main_train_cleaner(args.data, args.out, args.seed, args.rounds, args.tune)
        if args.command == "evaluate-lines":
            from detente.lines.evaluate import main_evaluate_lines

            return main_evaluate_lines(args.predictions, args.gold, args.model, args.json_out)
        if args.command == "scale":
            from detente.scale import main_scale

            return main_scale(args.input, args.out, args.workers, args.shard_size, args.engine, args.logging_dir)
        if args.command in ("add", "preannotate", "labelstudio"):
            from detente.growth_cli import run

            return run(args)
        if args.command == "site":
            from detente.site import main_site

            return main_site(args.release, args.out)
        if args.command == "evaluate":
            from detente.evaluate import main_evaluate

            return main_evaluate(args.predictions, args.split, _release_dir(args.release), args.json_out)
        if args.command == "baseline":
            from detente.baselines import main_baseline

            return main_baseline(args.name, args.split, _release_dir(args.release), args.out, args.model)
        if args.command == "export":
            from detente.export import main_export

            return main_export(args.format, _release_dir(args.release), args.out)
    except DetenteError as err:
        print(f"detente {args.command}: error: {err}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
