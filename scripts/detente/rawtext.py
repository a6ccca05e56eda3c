"""Raw page text: content-addressed IDs, UTF-8 decoding with a located error, and lines with their offsets.
Shared by every stage that reads a page (the raw store, the cleaner and its training pages, scale, the site)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

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


def line_pieces(text: str) -> list[str]:
    """The text split on "\\n" only, each piece keeping a trailing "\\r"; a final newline ends the last line.

    Piece k starts at the sum of (len(piece) + 1) over the pieces before it.
    """
    pieces = text.split("\n")
    if text.endswith("\n"):
        pieces.pop()
    return pieces


def split_lines(text: str) -> list[RawLine]:
    """Numbered lines with their offsets; a trailing "\\r" belongs to the terminator, not the line."""
    lines: list[RawLine] = []
    start = 0
    for number, piece in enumerate(line_pieces(text), start=1):
        content = piece[:-1] if piece.endswith("\r") else piece
        lines.append(RawLine(number, start, content))
        start += len(piece) + 1
    return lines
