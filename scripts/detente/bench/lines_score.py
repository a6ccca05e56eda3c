"""Score boilerplate removal line by line (`detente evaluate-lines`).

The positive class is *content* (article title or body). Only non-blank lines count (`line.strip() != ""`):
whether a blank line is kept changes nothing a reader sees, so scoring it would only reward predicting the
obvious. Conventions, also printed with every report:

- micro: TP, FP and FN pooled over every non-blank line of every page; P = TP/(TP+FP), R = TP/(TP+FN),
  F1 = 2PR/(P+R), each 0 when its denominator is 0 (as detente.scoring.PRF);
- macro: the mean over pages of each page's own P, R and F1 (same zero convention), so a long page weighs no
  more than a short one. A page with no gold content and no predicted content (TP+FP+FN = 0) is left out
  of the macro mean: it has nothing to find and nothing wrongly found, so P and R are undefined there and
  counting it as 0 or 1 would only measure how many such pages the set happens to hold;
- "without title": the same figures after title lines are dropped from gold and predictions alike, because
  the title is short, almost always right, and often scored separately by extractors;
- a gold page with no predictions is scored as if every line were predicted 0, and listed as missing.

`score_lines` is the pure core that the benchmark and the cleaner's own evaluation call with predictions in
memory; the readers below turn files into its inputs and refuse malformed input with an InputError that names
the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import iter_jsonl, read_json
from detente.lines.pages import read_labelled_pages
from detente.schemas import validate
from detente.scoring import PRF, prf_cells, prf_header

CONVENTIONS = (
    "positive class = content; only non-blank lines are scored",
    "P, R or F1 with a zero denominator counts as 0",
    "micro pools the lines of all pages; macro is the mean of per-page P/R/F1 over the pages with some gold or predicted content ('pages')",
    "without title = title lines dropped from gold and predictions",
    "a page without predictions is scored as all 0",
)


@dataclass(frozen=True)
class GoldPage:
    """One page's gold: a 0/1 content label and a blank flag per line, and the 1-based numbers of its title lines."""

    content: list[int]
    blank: list[bool]
    title: frozenset[int] = frozenset()
    lines: tuple[str, ...] = field(default=(), compare=False)  # the raw lines, when known: what a cleaner is run on

    @classmethod
    def from_lines(cls, lines: list[str], content: list[int], title: frozenset[int] = frozenset()) -> GoldPage:
        return cls(content, [line.strip() == "" for line in lines], title, tuple(lines))

    def scored(self, with_title: bool) -> list[int]:
        """0-based indexes of the lines that count: non-blank, and not a title line unless `with_title`."""
        return [i for i, blank in enumerate(self.blank) if not blank and (with_title or i + 1 not in self.title)]


@dataclass(frozen=True)
class PageScore:
    page_id: str
    counts: PRF  # all non-blank lines
    counts_without_title: PRF


@dataclass(frozen=True)
class ScoreView:
    """Micro and macro figures over one selection of lines (all non-blank lines, or those minus title lines)."""

    lines: int  # non-blank lines scored
    micro: PRF
    macro_precision: float
    macro_recall: float
    macro_f1: float
    macro_pages: int  # pages averaged: those with some gold or predicted content

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "micro": self.micro.as_dict(),
            "macro": {"precision": round(self.macro_precision, 4), "recall": round(self.macro_recall, 4), "f1": round(self.macro_f1, 4), "pages": self.macro_pages},
        }


@dataclass(frozen=True)
class LineScores:
    pages: int
    missing: list[str]  # gold pages without any prediction, scored as all 0
    all_lines: ScoreView
    without_title: ScoreView
    per_page: list[PageScore]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "missing": self.missing,
            "conventions": list(CONVENTIONS),
            "all_lines": self.all_lines.as_dict(),
            "without_title": self.without_title.as_dict(),
            "per_page": {p.page_id: {"all_lines": p.counts.as_dict(), "without_title": p.counts_without_title.as_dict()} for p in self.per_page},
        }


def _count(gold: list[int], predicted: list[int], indexes: list[int]) -> PRF:
    tp = sum(1 for i in indexes if gold[i] and predicted[i])
    fp = sum(1 for i in indexes if predicted[i] and not gold[i])
    fn = sum(1 for i in indexes if gold[i] and not predicted[i])
    return PRF(tp, fp, fn)


def _view(counts: list[PRF], lines: int) -> ScoreView:
    micro = sum(counts, PRF(0, 0, 0))
    averaged = [c for c in counts if c.tp + c.fp + c.fn > 0]
    n = len(averaged)

    def mean(values: list[float]) -> float:
        return sum(values) / n if n else 0.0

    return ScoreView(lines, micro, mean([c.precision for c in averaged]), mean([c.recall for c in averaged]), mean([c.f1 for c in averaged]), n)


def score_lines(gold: dict[str, GoldPage], predicted: dict[str, list[int]]) -> LineScores:
    """Pure core: gold pages and predictions (page id -> one 0/1 per line, blank lines included with any value).

    A gold page absent from `predicted` is scored as all 0 and listed in `missing`. A prediction for a page that
    is not in the gold, or a list whose length differs from the page's, is a caller's bug: ValueError.
    """
    unknown = sorted(set(predicted) - set(gold))
    if unknown:
        raise ValueError(f"predictions for pages not in the gold: {', '.join(unknown[:5])}")
    missing = [page_id for page_id in sorted(gold) if page_id not in predicted]
    per_page, lines, lines_without_title = [], 0, 0
    for page_id in sorted(gold):
        page = gold[page_id]
        labels = predicted.get(page_id, [0] * len(page.content))
        if len(labels) != len(page.content):
            raise ValueError(f"page {page_id!r}: {len(labels)} predictions for {len(page.content)} lines")
        with_title, without_title = page.scored(True), page.scored(False)
        lines += len(with_title)
        lines_without_title += len(without_title)
        per_page.append(PageScore(page_id, _count(page.content, labels, with_title), _count(page.content, labels, without_title)))
    return LineScores(
        pages=len(gold),
        missing=missing,
        all_lines=_view([p.counts for p in per_page], lines),
        without_title=_view([p.counts_without_title for p in per_page], lines_without_title),
        per_page=per_page,
    )


# ---------------------------------------------------------------- reading files


def read_line_predictions(path: Path, gold: dict[str, GoldPage]) -> dict[str, dict[int, int]]:
    """Page id -> {1-based line: 0/1} from a JSONL file of schema line_predictions, checked against the gold.

    Refused, naming the file and line: bad JSON, a schema violation, a doc_id not in the gold, a line number
    outside its page, a line predicted twice, and a page whose records leave some non-blank line uncovered.
    Pages with no record at all are simply absent (score_lines scores them as all 0).
    """
    found: dict[str, dict[int, int]] = {}
    seen_at: dict[tuple[str, int], str] = {}
    first_at: dict[str, str] = {}
    for where, record in iter_jsonl(path):
        validate(record, "line_predictions", where)
        page_id, number = record["doc_id"], record["line"]
        page = gold.get(page_id)
        if page is None:
            raise InputError(where, f"unknown doc_id {page_id!r}: no such page in the gold")
        if number > len(page.content):
            raise InputError(where, f"line {number} is outside page {page_id!r}, which has {len(page.content)} lines")
        if (page_id, number) in seen_at:
            raise InputError(where, f"line {number} of page {page_id!r} predicted twice (first at {seen_at[page_id, number]})")
        seen_at[page_id, number] = where
        first_at.setdefault(page_id, where)
        found.setdefault(page_id, {})[number] = int(record["content"])
    for page_id, labels in found.items():
        needed = [i + 1 for i in gold[page_id].scored(True)]
        uncovered = [n for n in needed if n not in labels]
        if uncovered:
            shown = ", ".join(map(str, uncovered[:10])) + (" ..." if len(uncovered) > 10 else "")
            raise InputError(
                first_at[page_id],
                f"wrong line count for page {page_id!r}: expected predictions for its {len(needed)} non-blank lines, "
                f"got {len(needed) - len(uncovered)} (missing lines {shown})",
            )
    return found


def predictions_as_lists(predicted: dict[str, dict[int, int]], gold: dict[str, GoldPage]) -> dict[str, list[int]]:
    """The form score_lines takes: one 0/1 per line, 0 for the (blank, unscored) lines a file left out."""
    return {page_id: [labels.get(n, 0) for n in range(1, len(gold[page_id].content) + 1)] for page_id, labels in predicted.items()}


def gold_from_pages_folder(folder: Path) -> dict[str, GoldPage]:
    """Gold of a folder of labelled pages (raw/ + gold/); title lines from manifest.json `title_lines`, if any."""
    titles: dict[str, frozenset[int]] = {}
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = read_json(manifest_path)
        entries = manifest.get("pages", []) if isinstance(manifest, dict) else []
        for entry in entries:
            if isinstance(entry, dict) and "id" in entry and "title_lines" in entry:
                numbers = entry["title_lines"]
                if not isinstance(numbers, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
                    raise InputError(str(manifest_path), f"page {entry['id']!r}: title_lines must be a list of line numbers")
                titles[str(entry["id"])] = frozenset(numbers)
    gold = {}
    for page in read_labelled_pages(folder):
        title = titles.get(page.page_id, frozenset())
        outside = sorted(n for n in title if not 1 <= n <= len(page.lines))
        if outside:
            raise InputError(str(manifest_path), f"page {page.page_id!r}: title line {outside[0]} outside its {len(page.lines)} lines")
        gold[page.page_id] = GoldPage.from_lines(page.lines, page.content, title)
    return gold


def _field(record: Any, name: str, kind: type, where: str) -> Any:
    value = record.get(name) if isinstance(record, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(where, f"expected a line record with {kind.__name__} field {name!r}")
    return value


def gold_from_release(release: Path) -> dict[str, GoldPage]:
    """Gold of a release's `lines/*.jsonl`: content = class "content", title = category "title", key = doc_id.

    Only the fields used are checked (not the whole line schema), so releases built under an older schema/
    stay scorable. Each document's lines must run 1..n without gaps or repeats, across all files.
    """
    paths = sorted((release / "lines").glob("*.jsonl"))
    if not paths:
        raise InputError(str(release / "lines"), "no .jsonl files of line records")
    by_doc: dict[str, dict[int, tuple[str, int, bool]]] = {}
    first_file: dict[str, Path] = {}
    for path in paths:
        for where, record in iter_jsonl(path):
            doc_id = _field(record, "doc_id", str, where)
            number = _field(record, "line", int, where)
            text = _field(record, "text", str, where)
            if "\n" in text:
                raise InputError(where, "a line's text cannot contain a line break")
            label = _field(record, "class", str, where)
            category = _field(record, "category", str, where)
            lines = by_doc.setdefault(doc_id, {})
            if number in lines:
                raise InputError(where, f"line {number} of {doc_id} given twice")
            lines[number] = (text, int(label == "content"), category == "title")
            first_file.setdefault(doc_id, path)
    gold = {}
    for doc_id, lines in by_doc.items():
        if sorted(lines) != list(range(1, len(lines) + 1)):
            gap = next(n for n in range(1, len(lines) + 2) if n not in lines)
            raise InputError(str(first_file[doc_id]), f"{doc_id}: line {gap} missing (lines must run 1..n)")
        ordered = [lines[n] for n in range(1, len(lines) + 1)]
        gold[doc_id] = GoldPage.from_lines(
            [text for text, _, _ in ordered], [c for _, c, _ in ordered], frozenset(n for n, (_, _, t) in enumerate(ordered, start=1) if t)
        )
    return gold


def read_gold(path: Path) -> dict[str, GoldPage]:
    """A release folder (lines/*.jsonl) or a folder of labelled pages (raw/ + gold/), told apart by their layout."""
    if (path / "lines").is_dir() and any((path / "lines").glob("*.jsonl")):
        return gold_from_release(path)
    if (path / "raw").is_dir() and (path / "gold").is_dir():
        return gold_from_pages_folder(path)
    if not path.is_dir():
        problem = "not a folder" if path.exists() else "no such folder"
        raise InputError(str(path), f"{problem} (expected a release folder, lines/*.jsonl, or a folder of labelled pages, raw/ and gold/)")
    raise InputError(str(path), "expected a release folder (lines/*.jsonl) or a folder of labelled pages (raw/ and gold/)")


# ---------------------------------------------------------------- report


def format_report(scores: LineScores) -> str:
    """A fixed-width table: one row per line selection, micro then macro P/R/F1."""
    title_lines = scores.all_lines.lines - scores.without_title.lines
    out = [f"line scores: {scores.pages} pages, {scores.all_lines.lines} non-blank lines ({title_lines} title lines)"]
    if scores.missing:
        shown = ", ".join(scores.missing[:10]) + (" ..." if len(scores.missing) > 10 else "")
        out.append(f"no predictions for {len(scores.missing)} page(s), scored as all 0: {shown}")
    out.append(f"{'':<16}{'lines':>7}{'TP':>7}{'FP':>7}{'FN':>7} | {prf_header(8, 'micro P')} | {prf_header(8, 'macro P')}{'pages':>7}")
    for name, view in (("all lines", scores.all_lines), ("without title", scores.without_title)):
        m = view.micro
        out.append(
            f"{name:<16}{view.lines:>7}{m.tp:>7}{m.fp:>7}{m.fn:>7} | {prf_cells(m.precision, m.recall, m.f1, 8, 4)}"
            f" | {prf_cells(view.macro_precision, view.macro_recall, view.macro_f1, 8, 4)}{view.macro_pages:>7}"
        )
    out.extend(f"  - {note}" for note in CONVENTIONS)
    return "\n".join(out)
