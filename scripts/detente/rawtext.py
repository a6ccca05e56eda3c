"""Raw page text: content-addressed IDs, UTF-8 decoding with a located error, and lines with their offsets.
Shared by every stage that reads a page (the raw store, the cleaner and its training pages, scale, the site)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from itertools import accumulate

from detente.errors import InputError


@dataclass(frozen=True)
class RawLine:
    number: int  # 1-based
    start: int  # character offset in the decoded text
    text: str  # without its terminator ("\n" or "\r\n")


def doc_id_for(data: bytes) -> str:
    """Content-addressed ID: the same bytes always get the same ID."""
    return "dtn-" + hashlib.sha256(data).hexdigest()[:12]


def decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(where, f"not valid UTF-8 at byte {err.start}: {err.reason}") from None


BOM = "\ufeff"
_LINE_END = re.compile(r"\n|\r(?!\n)")  # "\n", or a lone "\r" (old Mac files); "\r\n" splits at its "\n"


def line_pieces(text: str) -> list[str]:
    """The text split at each line end ("\\n", "\\r\\n" or a lone "\\r"), a piece keeping the "\\r" of a "\\r\\n"; a final
    line end ends the last line. Every separator is one character, so piece k starts at the sum of (len(piece) + 1)
    over the pieces before it. Only these: U+2028, U+0085 and the like stay inside a line.
    """
    pieces = _LINE_END.split(text)
    if text.endswith(("\n", "\r")):
        pieces.pop()
    return pieces


def line_end_style(text: str) -> str:
    """How the page ends its lines: "lf", "crlf", "cr", "mixed", or "none" (a single line without an end)."""
    crlf = text.count("\r\n")
    styles = {name for name, count in (("crlf", crlf), ("lf", text.count("\n") - crlf), ("cr", text.count("\r") - crlf)) if count}
    return styles.pop() if len(styles) == 1 else ("mixed" if styles else "none")


def line_starts_and_texts(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every line, as split_lines numbers them: a trailing "\\r" belongs to the terminator, not the line."""
    pieces = line_pieces(text)
    return list(zip(accumulate((len(piece) + 1 for piece in pieces), initial=0), [piece.removesuffix("\r") for piece in pieces]))


def split_lines(text: str) -> list[RawLine]:
    """Numbered lines with their offsets; a trailing "\\r" belongs to the terminator, not the line."""
    return [RawLine(number, start, content) for number, (start, content) in enumerate(line_starts_and_texts(text), start=1)]
