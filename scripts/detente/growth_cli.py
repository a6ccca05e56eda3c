"""Command-line wiring of `detente add`, `detente preannotate` and `detente labelstudio export|import|serve`.

cli.py calls `register(sub)` when it builds its parser and `run(args)` for these commands, so that wiring
stays in one place; parsing and printing only, the stages hold the logic.
"""

from __future__ import annotations

import argparse
from pathlib import Path

COMMANDS = ("add", "preannotate", "labelstudio")


def register(sub: argparse._SubParsersAction) -> None:
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
    serve = ls_sub.add_parser("serve", help="start Label Studio on 127.0.0.1 with the review project (needs scripts/label_studio.sh)")
    serve.add_argument("doc_ids", nargs="*", metavar="DOC_ID")
    serve.add_argument("--all", dest="include_all", action="store_true")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--data-dir", help="Label Studio's SQLite database and login (default: .label-studio in the repository)")


def run(args: argparse.Namespace, raw_dir: Path | None = None, source_dir: Path | None = None) -> int:
    from detente.paths import RAW_DIR, REPO_ROOT, SOURCE_DIR

    raw_dir, source_dir = raw_dir or RAW_DIR, source_dir or SOURCE_DIR
    if args.command == "add":
        from detente.add import AddOptions, main_add

        options = AddOptions(args.publisher, args.date, args.url, args.rights, args.language)
        return main_add(args.raw_file, raw_dir, source_dir, options)
    if args.command == "preannotate":
        from detente.preannotate import main_preannotate

        if not args.doc_ids and not args.evaluate:
            raise SystemExit("detente preannotate: give DOC_ID(s) or --evaluate")
        return main_preannotate(args.doc_ids, raw_dir, source_dir, args.overwrite, args.evaluate)
    if args.ls_command == "export":
        from detente.labelstudio import main_export

        out = Path(args.out) if args.out else REPO_ROOT / ".label-studio" / "export"
        return main_export(raw_dir, source_dir, out, args.doc_ids, args.include_all)
    if args.ls_command == "import":
        from detente.labelstudio import main_import

        return main_import(args.export_file, raw_dir, source_dir)
    from detente.labelstudio_server import main_serve

    data_dir = Path(args.data_dir) if args.data_dir else REPO_ROOT / ".label-studio"
    return main_serve(raw_dir, source_dir, data_dir, args.port, args.doc_ids, args.include_all)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (`python -m detente.growth_cli ...`) until cli.py dispatches to `run`."""
    import sys

    from detente.errors import DetenteError

    parser = argparse.ArgumentParser(prog="detente")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return run(args)
    except DetenteError as err:
        print(f"detente {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
