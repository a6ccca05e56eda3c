"""Folders of line-labelled pages: raw/<id>.txt with gold/<id>.tsv (header `line<TAB>content<TAB>text`).

The form of ../shared/boilerplate/{train,dev}; every problem is an InputError naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from detente.errors import InputError
from detente.io import read_json
from detente.rawtext import decode, line_pieces


@dataclass(frozen=True)
class LabelledPage:
    page_id: str
    site: str | None  # for cross-validation by site; None when the folder has no manifest entry for the page
    lines: list[str]  # the raw lines, without terminators
    content: list[int]  # gold: 1 = article content (title or body), 0 = not, one per line
    page_type: str | None = None  # "article", "forum", ... as the manifest says; None when it does not


def read_gold_tsv(path: Path, lines: list[str]) -> list[int]:
    """The `content` column of a gold TSV, checked against the raw lines it must repeat."""
    rows = [row.removesuffix("\r") for row in decode(path.read_bytes(), str(path)).split("\n")]  # \n or \r\n line ends
    if rows and rows[-1] == "":
        rows.pop()
    if not rows or rows[0].split("\t")[:2] != ["line", "content"]:
        raise InputError(f"{path}:1", "expected the header line<TAB>content<TAB>text")
    if len(rows) - 1 != len(lines):
        raise InputError(str(path), f"{len(rows) - 1} label rows for {len(lines)} raw lines")
    content = []
    for number, row in enumerate(rows[1:], start=1):
        cells = row.split("\t", 2)
        if len(cells) < 2 or cells[0] != str(number):
            raise InputError(f"{path}:{number + 1}", f"expected row for line {number}, got {row[:40]!r}")
        if cells[1] not in ("0", "1"):
            raise InputError(f"{path}:{number + 1}", f"content must be 0 or 1, got {cells[1]!r}")
        if len(cells) == 3 and cells[2] != lines[number - 1].rstrip("\r"):
            raise InputError(f"{path}:{number + 1}", "text does not repeat raw line")
        content.append(int(cells[1]))
    return content


def read_labelled_pages(folder: Path) -> list[LabelledPage]:
    """Every page of a folder (raw/ + gold/, optional manifest.json with each page's site), in page-id order."""
    raw_dir, gold_dir = folder / "raw", folder / "gold"
    if not raw_dir.is_dir() or not gold_dir.is_dir():
        raise InputError(str(folder), "expected raw/ and gold/ folders of line-labelled pages")
    entries: dict[str, dict] = {}
    if (folder / "manifest.json").exists():
        manifest = read_json(folder / "manifest.json")
        pages = manifest.get("pages", []) if isinstance(manifest, dict) else []
        entries = {entry["id"]: entry for entry in pages if isinstance(entry, dict) and "id" in entry}
    found = []
    for raw_path in sorted(raw_dir.glob("*.txt")):
        page_id = raw_path.stem
        gold_path = gold_dir / f"{page_id}.tsv"
        if not gold_path.exists():
            raise InputError(str(gold_path), f"no gold labels for {raw_path}")
        lines = line_pieces(decode(raw_path.read_bytes(), str(raw_path)))
        entry = entries.get(page_id, {})
        for key in ("site", "page_type"):
            if not isinstance(entry.get(key, ""), str):
                raise InputError(str(folder / "manifest.json"), f"page {page_id!r}: {key} must be a string, got {entry[key]!r}")
        found.append(LabelledPage(page_id, entry.get("site"), lines, read_gold_tsv(gold_path, lines), entry.get("page_type")))
    if not found:
        raise InputError(str(raw_dir), "no .txt pages")
    return found
