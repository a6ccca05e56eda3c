"""Command line: `detente clean|build|changes|validate|splits|check-annotations|agreement|train-cleaner|compile-line-model|evaluate-lines|keep-line-labels|evaluate|
baseline|export|text-free|site|scale|add|preannotate|labelstudio`. Parsing and printing only; the stages hold the logic.

Each command's module is imported only when that command runs (COMMANDS below names it), so `detente --help` and
light commands do not pay for pyarrow, datasets or LightGBM.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from detente import paths
from detente.errors import DetenteError
from detente.lock import corpus_lock

DESCRIPTION = ("DETENTE: the annotated news dataset on US-China diplomacy (2023) and the pipeline that makes it: clean raw pages, "
               "build, validate and compare releases, score predictions, browse the release, clean whole crawls.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="detente", description=DESCRIPTION, epilog="`detente COMMAND --help` describes one command; README.md, all of them.")
    sub = parser.add_subparsers(dest="command", required=True)
    clean = sub.add_parser("clean", help="print the clean text of raw page-text files")
    clean.add_argument("paths", nargs="+", metavar="PATH")
    clean.add_argument("--labels", action="store_true", help="print each line's class, category and rule instead")
    sub.add_parser("build", help="build annotated/<version>/ and refresh the README card")
    validate = sub.add_parser("validate", help="check a published release against its manifest and schemas")
    validate.add_argument("version", nargs="?", metavar="VERSION|FOLDER", help="a version under annotated/ (default: the current one) or a release folder path")
    validate.add_argument("--raw", metavar="DIR", help="the raw/ folder the release was built from (default: raw/ of this repository)")
    changes = sub.add_parser("changes", help="list every annotation that differs between two releases (for the CHANGELOG)")
    changes.add_argument("old", metavar="OLD", help="a version under annotated/ or a release folder")
    changes.add_argument("new", metavar="NEW", help="a version under annotated/ or a release folder")
    sub.add_parser("splits", help="append documents missing from the split manifest, by the documented rule")
    check = sub.add_parser(
        "check-annotations", help="compile annotation source files and report every error; --consistency: cross-document consistency",
        description="Compile annotation source files against the clean texts and report every error. With --consistency, "
        "also compare the files with each other (default: every reviewed source file of the corpus) and list each expression "
        "annotated in one place and not in another, each trigger or name annotated with different types, and each event "
        "without arguments whose sentence holds a PER/ORG/GPE/NORP mention. Exit status: 0 no findings, 1 findings, 2 bad input.",
    )
    check.add_argument("paths", nargs="*", metavar="YAML", help="annotation source files (needed unless --consistency)")
    check.add_argument("--consistency", action="store_true", help="check the files together for inconsistent annotation (no YAML: the whole corpus)")
    check.add_argument(
        "--min-trigger-length", type=int, default=3, metavar="N",
        help="--consistency: look for unannotated occurrences of triggers of at least N characters (default: 3)",
    )
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
    evaluate = sub.add_parser(
        "evaluate",
        help="score a predictions file against the gold of a split, or run a baseline leave-one-document-out",
        description="Score a predictions file against the gold of a split (--protocol split, the default), or train and score "
        "a baseline leave-one-document-out over every document of the release (--protocol loo --baseline lexical).",
    )
    evaluate.add_argument("--predictions", metavar="FILE", help="JSONL predictions file, one object per document (schema/predictions.schema.json); required by --protocol split")
    evaluate.add_argument("--split", default="test", choices=["train", "validation", "test"], help="gold split scored (default: test)")
    evaluate.add_argument("--release", metavar="VERSION", help="release version under annotated/ (default: the current one)")
    evaluate.add_argument("--json", dest="json_out", metavar="OUT", help="also write the full report as JSON here")
    evaluate.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N",
        help="bootstrap resamples for the 95%% intervals of the headline F1s, over documents and over items (seed 13; default: 1000; 0: no intervals)",
    )
    evaluate.add_argument(
        "--protocol", choices=["split", "loo"], default="split",
        help="split: score --predictions against --split (default); loo: leave-one-document-out over all splits with --baseline, per-fold F1s, mean and sd",
    )
    evaluate.add_argument("--baseline", choices=["lexical"], help="the baseline trained on each fold of --protocol loo")
    baseline = sub.add_parser("baseline", help="write a baseline's predictions for a split")
    baseline.add_argument("name", choices=["lexical", "quotes", "spacy", "gliner"], help="quotes: rule-based quotations (quotation marks, cue verbs, nearest preceding name)")
    baseline.add_argument("--split", default="test", choices=["train", "validation", "test"])
    baseline.add_argument("--release", help="release version (default: the current one)")
    baseline.add_argument("--model", help="spaCy pipeline name or GLiNER model folder (never downloaded)")
    baseline.add_argument("--out", required=True, metavar="FILE")
    export = sub.add_parser("export", help="export the gold to a standard format")
    export.add_argument("format", choices=["conll", "brat", "textee"], help="CoNLL-2003 BIO, brat standoff (+ annotation.conf), or TextEE-style JSON lines")
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument("--release", help="release version (default: the current one)")
    free = sub.add_parser("text-free", help="write a copy of a release without the article texts (offsets + SHA-256), or restore one from your own pages")
    free.add_argument("--out", required=True, metavar="DIR", help="a new folder to write")
    free.add_argument("--release", help="release version to strip (default: the current one)")
    free.add_argument("--restore", metavar="COPY", help="a text-free copy to restore (needs --raw)")
    free.add_argument("--raw", metavar="DIR", help="folder of the pages, raw/<doc_id>.txt (default: raw/ of this repository)")
    site = sub.add_parser("site", help="write the static HTML browser of a release (articles, event timeline, entity index)")
    site.add_argument("--release", help="release version (default: the current one)")
    site.add_argument("--out", metavar="DIR", help="output folder (default: site/)")
    scale = sub.add_parser("scale", help="clean a crawl (.txt articles and/or .jsonl files) into sharded Parquet + JSONL (one machine, or datatrove)")
    scale.add_argument("input", metavar="INPUT", help='folder searched recursively: *.txt files, one article each, and *.jsonl files, one article per line ({"text": ...})')
    scale.add_argument("--out", required=True, help="output folder; must not exist or be empty, and must lie outside INPUT")
    scale.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    scale.add_argument("--shard-size", type=int, default=1000, help="articles per output part (default: 1000)")
    scale.add_argument("--engine", choices=["local", "datatrove"], default="local", help="local: multiprocessing (default); datatrove: the scale-out path")
    scale.add_argument("--logging-dir", help="datatrove only: plan, logs, stats and completion markers (default OUT.datatrove-logs); reuse it to resume")
    train = sub.add_parser("train-cleaner", help="train the cleaner's line model from folders of line-labelled pages (raw/ + gold/*.tsv)")
    train.add_argument("--data", nargs="+", required=True, metavar="DIR", help="folders of raw/<id>.txt + gold/<id>.tsv (the packaged model: the maintainers' ../shared/boilerplate/train)")
    train.add_argument("--out", required=True, metavar="FILE", help="model file to write (JSON; the packaged one is scripts/detente/lines/line_model.json)")
    train.add_argument("--tune", metavar="DIR", help="choose the content threshold on these pages (e.g. ../shared/boilerplate/dev); default: on held-out sites of --data")
    train.add_argument("--seed", type=int, default=1, help="random seed of the first member, the next one's is one more, ... (default 1, the packaged model's)")
    train.add_argument("--rounds", type=int, default=150, help="boosting rounds per stage (default 150, the packaged model's)")
    train.add_argument("--members", type=int, default=3, help="members averaged, each on its own subsample of rows and features (default 3, the packaged model's)")
    native = sub.add_parser("compile-line-model", help="compile the packaged line model's trees to native code (same probabilities, faster; `make env` runs it)")
    native.add_argument("--if-possible", action="store_true", help="without a working C compiler, say so and exit 0 (the cleaner then uses LightGBM)")
    native.add_argument("--cc", metavar="COMPILER", help="the C compiler (default: $CC, else cc)")
    lines = sub.add_parser("evaluate-lines", help="score content/non-content line predictions against gold line labels")
    lines.add_argument("--predictions", metavar="FILE", help='JSONL, one {"doc_id", "line", "content"} per line (schema/line_predictions.schema.json); default: run the cleaner')
    lines.add_argument("--gold", required=True, metavar="DIR", help="a release folder (annotated/<version>) or a folder of raw/ + gold/*.tsv")
    lines.add_argument("--model", metavar="FILE", help="with no --predictions: the line model to run (default: the packaged one)")
    lines.add_argument("--json", dest="json_out", help="also write the report as JSON here")
    keep = sub.add_parser("keep-line-labels", help="after a cleaner change: rewrite the line corrections so the sources keep a release's reviewed line labels")
    keep.add_argument("release", nargs="?", metavar="VERSION", help="the release whose line labels are kept: the newest under annotated/ (the default; an older one is refused)")
    add = sub.add_parser("add", help="add a raw article: raw/ copy, metadata record, split, line labels for review")
    add.add_argument("raw_file", metavar="RAW_FILE")
    add.add_argument("--publisher", help="publisher name (stated if a publisher/credit/copyright line of the page has it)")
    add.add_argument("--date", help="publication date YYYY-MM-DD (needed when the page prints none)")
    add.add_argument("--url", help="the article's URL, as given by its source (never reconstructed)")
    add.add_argument("--rights", help="rights statement (default: the page's copyright lines, else a default)")
    add.add_argument("--language", default="en", help="BCP-47 language tag (default: en)")

    pre = sub.add_parser("preannotate", help="draft annotation of documents from the gold's entities and triggers, and date rules")
    pre.add_argument("doc_ids", nargs="*", metavar="DOC_ID")
    pre.add_argument("--overwrite", action="store_true", help="replace an existing draft (never a reviewed file)")
    pre.add_argument("--evaluate", action="store_true", help="print leave-one-document-out precision/recall on the gold")

    ls = sub.add_parser("labelstudio", help="review in Label Studio: export tasks, import a review, serve locally")
    ls_sub = ls.add_subparsers(dest="ls_command", required=True)
    export = ls_sub.add_parser("export", help="write config.xml and tasks.json (default: documents pending review)")
    export.add_argument("doc_ids", nargs="*", metavar="DOC_ID")
    export.add_argument("--all", dest="include_all", action="store_true", help="every document, gold included")
    export.add_argument("--out", help="output folder (default: .label-studio/export in the repository)")
    imp = ls_sub.add_parser("import", help="check a Label Studio JSON export and write the reviewed sources")
    imp.add_argument("export_file", metavar="EXPORT.json")
    imp.add_argument("--allow-removals", action="store_true",
                     help="import even a review that removes more than 10%% of a gold document's mentions, events, arguments or quotations, "
                          "or is empty (without it such an import is refused; each document's changes are printed either way)")
    imp.add_argument("--annotator", metavar="NAME_OR_ID",
                     help="when a task has reviews by several annotators (which is refused otherwise), import the one by this "
                          "annotator: the Label Studio user ID, e-mail, or name as the refusal prints it; a task reviewed by "
                          "one annotator imports that review")
    serve = ls_sub.add_parser("serve", help="start Label Studio on 127.0.0.1 with the review project (needs scripts/label_studio.sh)")
    serve.add_argument("doc_ids", nargs="*", metavar="DOC_ID")
    serve.add_argument("--all", dest="include_all", action="store_true")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--data-dir", help="Label Studio's SQLite database and login (default: .label-studio in the repository)")

    return parser


def _stage(target: str) -> Callable[..., Any]:
    """"package.module:function" under detente -> that function (its module is imported now, on first use)."""
    module, _, name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(f"detente.{module}"), name)
    return function


def _evaluate(a: argparse.Namespace) -> int:
    if a.protocol == "loo":
        return _stage("bench.loo:main_loo")(a.baseline, paths.release_folder(a.release), a.json_out)
    if a.predictions is None:
        raise DetenteError("--predictions FILE is required (or use --protocol loo --baseline lexical)")
    if a.bootstrap < 0:
        raise DetenteError(f"--bootstrap must be 0 or more, not {a.bootstrap}")
    return _stage("bench.evaluate:main_evaluate")(a.predictions, a.split, paths.release_folder(a.release), a.json_out, a.bootstrap)


def _check_annotations(a: argparse.Namespace) -> int:
    if not a.consistency:
        if not a.paths:
            raise DetenteError("give YAML file(s) to check, or --consistency to check the whole corpus")
        return _stage("pipeline.annotate:main_check")(a.paths, a.text_dir, a.entities, a.events)
    try:  # findings exit 1, so bad input exits 2 here
        return _stage("pipeline.consistency:main_consistency")(a.paths, a.text_dir, a.entities, a.events, a.min_trigger_length)
    except (DetenteError, OSError) as err:
        print(_error_message("check-annotations", err), file=sys.stderr)
        return 2


def _preannotate(a: argparse.Namespace) -> int:
    if not a.doc_ids and not a.evaluate:
        raise DetenteError("give DOC_ID(s) or --evaluate")
    return _stage("growth.preannotate:main_preannotate")(a.doc_ids, paths.RAW_DIR, paths.SOURCE_DIR, a.overwrite, a.evaluate)


def _labelstudio(a: argparse.Namespace) -> int:
    if a.ls_command == "export":
        out = Path(a.out) if a.out else paths.REPO_ROOT / ".label-studio" / "export"
        return _stage("growth.labelstudio.tasks:main_export")(paths.RAW_DIR, paths.SOURCE_DIR, out, a.doc_ids, a.include_all)
    if a.ls_command == "import":
        return _stage("growth.labelstudio.review:main_import")(a.export_file, paths.RAW_DIR, paths.SOURCE_DIR, a.allow_removals, a.annotator)
    data_dir = Path(a.data_dir) if a.data_dir else paths.REPO_ROOT / ".label-studio"
    return _stage("growth.labelstudio.server:main_serve")(paths.RAW_DIR, paths.SOURCE_DIR, data_dir, a.port, a.doc_ids, a.include_all)


# Command -> how it runs. Paths are read from detente.paths when the command runs (tests point them elsewhere).
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "clean": lambda a: _stage("pipeline.clean:main_clean")(a.paths, show_labels=a.labels),
    "build": lambda a: _stage("publish.release:main_build")(),
    "changes": lambda a: _stage("publish.changes:main_changes")(a.old, a.new),
    "validate": lambda a: _stage("pipeline.validate:main_validate")(a.version, a.raw),
    "splits": lambda a: _stage("pipeline.splits:main_splits")(),
    "check-annotations": _check_annotations,
    "agreement": lambda a: _stage("pipeline.agreement:main_agreement")(
        a.reference_dir, a.prediction_dir, a.doc_ids, a.text_dir, a.entities, a.events, a.json_out, a.diff
    ),
    "train-cleaner": lambda a: _stage("lines.train:main_train_cleaner")(a.data, a.out, a.seed, a.rounds, a.tune, a.members),
    "compile-line-model": lambda a: _stage("lines.native:main_compile_line_model")(a.if_possible, a.cc),
    "evaluate-lines": lambda a: _stage("bench.lines_evaluate:main_evaluate_lines")(a.predictions, a.gold, a.model, a.json_out),
    "keep-line-labels": lambda a: _stage("pipeline.line_corrections:main_keep_line_labels")(
        a.release, paths.ANNOTATED_DIR, paths.RAW_DIR, paths.CORRECTIONS_DIR
    ),
    "evaluate": _evaluate,
    "baseline": lambda a: (
        _stage("bench.quotes_baseline:main_quotes_baseline")(a.split, paths.release_folder(a.release), a.out)
        if a.name == "quotes"
        else _stage("bench.baselines:main_baseline")(a.name, a.split, paths.release_folder(a.release), a.out, a.model)
    ),
    "export": lambda a: _stage("bench.export:main_export")(a.format, paths.release_folder(a.release), a.out),
    "text-free": lambda a: _stage("publish.textfree:main_text_free")(
        paths.release_folder(a.release) if a.restore is None else None, Path(a.raw) if a.raw else paths.RAW_DIR, a.out, a.restore
    ),
    "site": lambda a: _stage("site.render:main_site")(a.release, a.out),
    "scale": lambda a: _stage("scale.cli:main_scale")(a.input, a.out, a.workers, a.shard_size, a.engine, a.logging_dir),
    "add": lambda a: _stage("growth.add:main_add")(
        a.raw_file, paths.RAW_DIR, paths.SOURCE_DIR, _stage("growth.add:AddOptions")(a.publisher, a.date, a.url, a.rights, a.language)
    ),
    "preannotate": _preannotate,
    "labelstudio": _labelstudio,
}


# Commands that write the corpus sources or publish a release: one at a time per corpus (detente.lock).
WRITERS = {"build", "splits", "add", "keep-line-labels", "preannotate", "labelstudio import"}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    name = f"{args.command} {args.ls_command}" if args.command == "labelstudio" else args.command
    with warnings.catch_warnings():
        warnings.showwarning = partial(_show_warning, args.command)
        return _run(args, name)


def _show_warning(command: str, message: Warning | str, category: type[Warning], *where: Any, **more: Any) -> None:
    """A warning as the command's own line (what happened and what to do), not Python's file and line."""
    print(f"detente {command}: warning: {message}", file=sys.stderr)


SIGPIPE_STATUS = 128 + 13  # what a shell reports for a program stopped by SIGPIPE
# Commands whose work is what they print: a reader that stops early stops them quietly. The others write files, so a
# closed output that stops them midway is reported.
PRINTERS = {"clean", "validate", "changes", "check-annotations", "agreement", "evaluate-lines"}


def _run(args: argparse.Namespace, name: str) -> int:
    try:
        for option in ("out", "json_out"):  # the one guard: no command writes its output into a release or the sources
            if getattr(args, option, None):
                paths.check_outside_releases(Path(getattr(args, option)))
        if name in WRITERS:
            with corpus_lock(paths.SOURCE_DIR, name):
                status = COMMANDS[args.command](args)
        else:
            status = COMMANDS[args.command](args)
        if sys.stdout is not None:  # None when the command was started with its output closed
            sys.stdout.flush()  # a reader that went away shows here, not as a message at exit
        return status
    except BrokenPipeError as err:
        try:  # else Python reports the pipe again when it flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):  # no stdout, or one without a file descriptor
            pass
        if args.command in PRINTERS:  # `detente clean ... | head`: the reader has what it wanted; stop quietly
            return SIGPIPE_STATUS
        print(_error_message(args.command, err) + " (its output was closed before it finished: it stopped there)", file=sys.stderr)
        return 1
    except (DetenteError, OSError) as err:
        print(_error_message(args.command, err), file=sys.stderr)
        return 1


def _error_message(command: str, err: DetenteError | OSError) -> str:
    if isinstance(err, OSError):  # the file system refused (a path in /proc, a full disk, ...): name the path, no traceback
        where = err.filename if err.filename is not None else "file system"
        return f"detente {command}: error: {where}: {err.strerror or err}"
    return f"detente {command}: error: {err}"


if __name__ == "__main__":
    raise SystemExit(main())
