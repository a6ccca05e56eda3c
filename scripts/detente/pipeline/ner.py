"""The `ner` config: each clean-text paragraph as tokens with IOB2 tags from the name-level mentions."""

from __future__ import annotations

import re
from typing import Any

from detente.errors import OffsetError

# Words (letters/digits, with inner apostrophes/hyphens kept out so "Blinken’s" -> "Blinken", "’", "s"), or any other single symbol.
TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in TOKEN.finditer(text)]


def ner_rows(doc_id: str, text: str, mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per paragraph; a mention whose edges fall inside a token is an error, never re-aligned."""
    names = [m for m in mentions if m["level"] == "name"]
    rows = []
    offset = 0
    for index, paragraph in enumerate(text.split("\n")):
        spans = [(offset + s, offset + e) for s, e in tokenize(paragraph)]
        tags = ["O"] * len(spans)
        starts = {s: i for i, (s, _) in enumerate(spans)}
        ends = {e: i for i, (_, e) in enumerate(spans)}
        for m in names:
            if not (offset <= m["start"] < offset + len(paragraph) + 1):
                continue
            first, last = starts.get(m["start"]), ends.get(m["end"])
            if first is None or last is None:
                raise OffsetError(f"{doc_id}: mention {m['id']} ({m['text']!r})", "does not start and end on token boundaries")
            tags[first] = f"B-{m['type']}"
            for k in range(first + 1, last + 1):
                tags[k] = f"I-{m['type']}"
        rows.append(
            {
                "id": f"{doc_id}-p{index:03d}",
                "doc_id": doc_id,
                "paragraph": index,
                "tokens": [text[s:e] for s, e in spans],
                "token_starts": [s for s, _ in spans],
                "ner_tags": tags,
            }
        )
        offset += len(paragraph) + 1
    return rows
