"""An article's text with its highlighted spans (entity mentions and event triggers) nested as a tree, which the
article template walks: properly nested spans become nested elements, crossing spans are an error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from detente.errors import InputError


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    rank: int  # at equal spans the mention (0) encloses the trigger (1)
    kind: Literal["mention", "event"]
    record: dict[str, Any]  # the mention or event

    @property
    def ident(self) -> str:
        return f"{self.kind} {self.record['id']}"


@dataclass
class Nested:
    """A span and what it contains: text pieces and the spans inside it, in text order."""

    span: Span
    children: list[str | Nested] = field(default_factory=list)


def mention_span(mention: dict[str, Any]) -> Span:
    return Span(mention["start"], mention["end"], 0, "mention", mention)


def event_span(event: dict[str, Any]) -> Span:
    return Span(event["trigger"]["start"], event["trigger"]["end"], 1, "event", event)


def nest_spans(text: str, spans: list[Span], where: str) -> list[str | Nested]:
    """The text as a list of text pieces and top-level spans, each holding the pieces and spans inside it."""
    top_level: list[str | Nested] = []
    open_spans: list[Nested] = []
    pos = 0

    def add_text(until: int) -> None:
        nonlocal pos
        if until > pos:
            (open_spans[-1].children if open_spans else top_level).append(text[pos:until])
        pos = until

    def close_innermost() -> None:
        add_text(open_spans[-1].span.end)
        open_spans.pop()

    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.rank)):
        while open_spans and open_spans[-1].span.end <= span.start:
            close_innermost()
        if open_spans and span.end > open_spans[-1].span.end:
            raise InputError(where, f"{open_spans[-1].span.ident} and {span.ident} cross (neither contains the other); cannot nest them")
        add_text(span.start)
        node = Nested(span)
        (open_spans[-1].children if open_spans else top_level).append(node)
        open_spans.append(node)
    while open_spans:
        close_innermost()
    add_text(len(text))
    return top_level
