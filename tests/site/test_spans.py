"""Nesting an article's highlighted spans: contained spans nest, a mention encloses a trigger of the same span,
crossing spans are refused, and no text is lost or repeated."""

from __future__ import annotations

from typing import Any

import pytest

from detente.errors import InputError
from detente.site.spans import Nested, Span, article_spans, cue_spans, event_span, mention_span, nest_spans, quotation_spans

TEXT = "Envoys in Paris met.\nThey left."


def mention(ident: str, quote: str) -> dict[str, Any]:
    start = TEXT.index(quote)
    return {"id": ident, "start": start, "end": start + len(quote), "text": quote}


def event(ident: str, quote: str) -> dict[str, Any]:
    start = TEXT.index(quote)
    return {"id": ident, "trigger": {"start": start, "end": start + len(quote), "text": quote}}


def flatten(nodes: list[str | Nested]) -> str:
    return "".join(node if isinstance(node, str) else flatten(node.children) for node in nodes)


def shape(nodes: list[str | Nested]) -> list[Any]:
    """The tree with each span as (ident, children)."""
    return [node if isinstance(node, str) else (node.span.ident, shape(node.children)) for node in nodes]


def test_contained_spans_nest_and_the_text_is_kept_whole() -> None:
    spans = [mention_span(mention("m2", "Paris")), mention_span(mention("m1", "Envoys in Paris")), event_span(event("v1", "met"))]
    tree = nest_spans(TEXT, spans, "here")
    assert shape(tree) == [
        ("mention m1", ["Envoys in ", ("mention m2", ["Paris"])]),
        " ",
        ("event v1", ["met"]),
        ".\nThey left.",
    ]
    assert flatten(tree) == TEXT


def test_a_mention_encloses_a_trigger_of_the_same_span_whatever_the_order() -> None:
    for spans in ([event_span(event("v1", "met")), mention_span(mention("m1", "met"))], [mention_span(mention("m1", "met")), event_span(event("v1", "met"))]):
        assert shape(nest_spans(TEXT, spans, "here"))[1] == ("mention m1", [("event v1", ["met"])])


def test_crossing_spans_are_an_error_naming_both() -> None:
    spans = [mention_span(mention("m1", "in Paris")), mention_span(mention("m2", "Paris met"))]
    with pytest.raises(InputError, match=r"here: mention m1 and mention m2 cross"):
        nest_spans(TEXT, spans, "here")


def test_no_spans_is_the_text() -> None:
    assert nest_spans(TEXT, [], "here") == [TEXT]
    assert nest_spans("", [], "here") == []
    assert Span(0, 1, 0, "mention", {"id": "m9"}).ident == "mention m9"


def quotation(ident: str, quote: str) -> dict[str, Any]:
    start = TEXT.index(quote)
    return {"id": ident, "start": start, "end": start + len(quote), "text": quote}


def test_a_quotation_encloses_what_it_contains_and_a_mention_of_the_same_span() -> None:
    others = [mention_span(mention("m1", "Paris")), event_span(event("v1", "met")), mention_span(mention("m2", "Envoys in Paris met"))]
    pieces = quotation_spans(quotation("q1", "Envoys in Paris met"), others)
    assert [(p.start, p.end, p.piece, p.pieces) for p in pieces] == [(0, 19, 0, 1)]
    tree = nest_spans(TEXT, others + pieces, "here")
    assert shape(tree)[0] == ("quotation q1", [("mention m2", ["Envoys in ", ("mention m1", ["Paris"]), " ", ("event v1", ["met"])])])
    assert flatten(tree) == TEXT


def test_a_quotation_crossing_a_mention_is_cut_into_pieces_that_nest() -> None:
    others = [mention_span(mention("m1", "in Paris")), event_span(event("v1", "met"))]
    pieces = quotation_spans(quotation("q1", "Paris met.\nThey"), others)
    assert [(TEXT[p.start:p.end], p.piece, p.pieces) for p in pieces] == [("Paris", 0, 2), (" met.\nThey", 1, 2)]
    tree = nest_spans(TEXT, others + pieces, "here")
    assert shape(tree) == [
        "Envoys ",
        ("mention m1", ["in ", ("quotation q1", ["Paris"])]),
        ("quotation q1", [" ", ("event v1", ["met"]), ".\nThey"]),
        " left.",
    ]
    assert flatten(tree) == TEXT
    # ending inside a mention: cut at the mention's start
    pieces = quotation_spans(quotation("q2", "Envoys in"), [mention_span(mention("m1", "in Paris"))])
    assert [TEXT[p.start:p.end] for p in pieces] == ["Envoys ", "in"]


def test_a_span_holds_a_link_when_a_trigger_or_a_linked_mention_is_inside_it_at_any_depth() -> None:
    outer = {**mention("m1", "Envoys in Paris met"), "entity_id": "ent:envoys"}
    plain, linked = mention("m2", "Paris"), {**mention("m2", "Paris"), "entity_id": "ent:paris"}
    tree = nest_spans(TEXT, [mention_span(outer), mention_span(plain)], "here")
    assert isinstance(tree[0], Nested) and not tree[0].holds_link()  # an unlinked mention inside draws no link
    tree = nest_spans(TEXT, [mention_span(outer), mention_span(linked)], "here")
    assert isinstance(tree[0], Nested) and tree[0].holds_link()
    deep = {**mention("m3", "in Paris"), "entity_id": None}
    tree = nest_spans(TEXT, [mention_span(outer), mention_span(deep), event_span(event("v1", "Paris"))], "here")
    assert isinstance(tree[0], Nested) and tree[0].holds_link()  # the trigger is two levels down
    assert not nest_spans(TEXT, [mention_span(outer)], "here")[0].holds_link()  # type: ignore[union-attr]


def with_cue(ident: str, quote: str, cue: str) -> dict[str, Any]:
    start = TEXT.index(cue)
    return {**quotation(ident, quote), "cue": {"start": start, "end": start + len(cue), "text": cue}}


def test_a_cue_sits_inside_a_trigger_of_the_same_word_and_a_quotation_is_cut_at_a_cue_it_crosses() -> None:
    q1 = with_cue("q1", "They left.", "met")
    others = [mention_span(mention("m1", "Paris")), event_span(event("v1", "met"))]
    cues = cue_spans(q1, others)
    assert [(TEXT[c.start:c.end], c.kind, c.piece, c.pieces, c.ident) for c in cues] == [("met", "cue", 0, 1, "cue q1")]
    tree = nest_spans(TEXT, others + cues + quotation_spans(q1, others + cues), "here")
    assert shape(tree)[3] == ("event v1", [("cue q1", ["met"])])  # innermost at equal spans
    assert flatten(tree) == TEXT
    # a quotation ending inside its cue's word is cut there, so both nest
    q2 = with_cue("q2", "Envoys in Paris me", "met")
    cues = cue_spans(q2, [])
    pieces = quotation_spans(q2, cues)
    assert [TEXT[p.start:p.end] for p in pieces] == ["Envoys in Paris ", "me"]
    assert flatten(nest_spans(TEXT, cues + pieces, "here")) == TEXT
    assert cue_spans({**quotation("q3", "They left."), "cue": None}, others) == []


def test_a_cue_crossing_a_mention_is_cut_into_pieces_that_nest() -> None:
    others = [mention_span(mention("m1", "Paris met"))]
    cues = cue_spans(with_cue("q1", "They left.", "in Paris"), others)
    assert [(TEXT[c.start:c.end], c.piece, c.pieces) for c in cues] == [("in ", 0, 2), ("Paris", 1, 2)]
    tree = nest_spans(TEXT, others + cues, "here")
    assert shape(tree)[:3] == ["Envoys ", ("cue q1", ["in "]), ("mention m1", [("cue q1", ["Paris"]), " met"])]


def test_two_quotations_whose_cues_overlap_still_nest() -> None:
    """The build refuses overlapping quotations, not overlapping cues: "told reporters" and "reporters said"."""
    text = "Officials told reporters said nothing, and more."
    cue1, cue2 = text.index("told reporters"), text.index("reporters said")
    q1 = {"id": "q1", "start": text.index("nothing"), "end": text.index("nothing") + 7, "cue": {"start": cue1, "end": cue1 + 14}}
    q2 = {"id": "q2", "start": text.index("and more"), "end": len(text) - 1, "cue": {"start": cue2, "end": cue2 + 14}}
    m1 = {"id": "m1", "start": text.index("reporters"), "end": text.index("reporters") + 9}
    tree = nest_spans(text, article_spans([m1], [], [q1, q2]), "here")
    assert flatten(tree) == text
    assert shape(tree)[:3] == [
        "Officials ",
        ("cue q1", ["told ", ("mention m1", [("cue q2", ["reporters"])])]),
        ("cue q2", [" said"]),
    ]
