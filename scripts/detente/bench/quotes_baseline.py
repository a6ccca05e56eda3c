"""The `quotes` baseline: rule-based quotation finding (guidelines §8), deterministic, scored like any system.

Per sentence (paragraphs split at `.`, `?` or `!` and a space, never inside quotation marks):
- the cue is the sentence's first reporting expression outside quotation marks (CUES: said, told, urged, according
  to, called for, ...);
- indirect content: after the cue, skipping "that", and, for told/urged/asked/called on, the addressee up to "to" or
  "that"; or, when the sentence ends in ", X said", the text before that comma; or, for "according to", the text
  before it; to the end of the sentence (or ", according to"), without the final punctuation. Content that is one
  quotation in marks is a direct quotation; content holding quoted fragments is mixed;
- direct quotations: text between paired quotation marks “…”, "…" (and ‘…’, '…' in the headline, the first line),
  marks and a trailing comma excluded; a fragment of one or two words in a sentence with no cue is a scare quote and
  skipped;
- speaker: the nearest PER, ORG or GPE name before the cue outside the quotation (after it for "according to",
  and when none is before), names found as the lexical baseline finds them (surface forms of the train split's gold),
  else a run of capitalised words;
- source_type and side from keywords in the sentence outside the quotation (readout, press release, statement,
  briefing, news/press conference, interview, speech, Reuters reported, on condition of anonymity; State
  Department/Washington/US -> us, Chinese/Beijing/China -> china, the nearest to the cue, before it first).
Quotations never overlap: a later one overlapping an earlier one is dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from detente.bench.baselines import ARGUMENT_TYPES, LexicalBaseline, write_predictions
from detente.bench.evaluate import load_gold
from detente.io import check_output_file

CUES = (
    "according to", "called on", "called for", "calls on", "calls for", "call on", "call for",
    "said", "says", "say", "told", "tells", "urged", "urges", "added", "adds", "asked", "asks", "warned", "warns",
    "stressed", "stresses", "noted", "notes", "reiterated", "reiterates", "insisted", "insists", "emphasized", "emphasised",
    "underlined", "underscored", "stated", "announced", "explained", "argued", "claimed", "vowed", "pledged", "demanded",
)
CUE = re.compile(r"\b(?:" + "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in CUES) + r")\b", re.IGNORECASE)
ADDRESSED = {"told", "tells", "urged", "urges", "asked", "asks", "called on", "calls on", "call on", "warned", "warns"}  # cue + addressee + to/that
DOUBLE = (re.compile(r"“([^“”\n]+)”"), re.compile(r'"([^"\n]+)"'))
SINGLE = (re.compile(r"‘([^‘’\n]+)’"), re.compile(r"(?<!\w)'([^'\n]+?)'(?!\w)"))  # headlines only
SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+(?=[\"“‘'A-Z])")
CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")
NOT_NAMES = {"The", "He", "She", "They", "It", "We", "I", "In", "On", "At", "A", "An", "But", "And", "This", "That", "His", "Her", "Their", "Its", "After", "Before", "While", "When", "As", "Asked"}
SOURCES = (  # first found wins
    ("anonymous", re.compile(r"condition of anonymity|anonymity", re.IGNORECASE)),
    ("readout", re.compile(r"\breadout", re.IGNORECASE)),
    ("press_release", re.compile(r"\bpress release", re.IGNORECASE)),
    ("press_conference", re.compile(r"\b(?:news|press) conference", re.IGNORECASE)),
    ("briefing", re.compile(r"\bbriefing", re.IGNORECASE)),
    ("statement", re.compile(r"\bstatement", re.IGNORECASE)),
    ("interview", re.compile(r"\binterview", re.IGNORECASE)),
    ("speech", re.compile(r"\bspeech", re.IGNORECASE)),
    ("social_media", re.compile(r"\btweet|\bon (?:Twitter|X|Weibo)\b|\bsocial media", re.IGNORECASE)),
    ("news_report", re.compile(r"\b(?:Reuters|AP|AFP|Bloomberg|Xinhua|CNN)\b[^.]{0,20}\breport", re.IGNORECASE)),
)
SIDES = (
    ("us", re.compile(r"\bU\.S\.|\bUS\b|\bUnited States\b|\bWashington\b|\bState Department\b|\bWhite House\b|\bAmerican\b|\bPentagon\b")),
    ("china", re.compile(r"\bChina(?:'s|’s)?\b|\bChinese\b|\bBeijing\b")),
)

Span = tuple[int, int]


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _trim(text: str, start: int, end: int, chars: str = " \t,.;:!?") -> Span:
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def _inside(span: Span, outer: Span) -> bool:
    return outer[0] <= span[0] and span[1] <= outer[1]


def _overlaps(a: Span, b: Span) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def _direct_quotes(text: str, headline: Span | None) -> list[tuple[Span, Span]]:
    """(inner span without the marks and a trailing comma, outer span with the marks) of every paired quotation."""
    found: list[tuple[Span, Span]] = []
    patterns = list(DOUBLE)
    for pattern in patterns + list(SINGLE):
        for m in pattern.finditer(text):
            if pattern in SINGLE and (headline is None or not _inside(m.span(), headline)):
                continue
            outer = m.span()
            if any(_overlaps(outer, o) for _, o in found):
                continue
            found.append((_trim(text, m.start(1), m.end(1), " \t,"), outer))
    return sorted(found)


def _sentences(text: str, quotes: list[tuple[Span, Span]]) -> list[Span]:
    spans = []
    for paragraph in re.finditer(r"[^\n]+", text):
        start = paragraph.start()
        for m in SENTENCE_END.finditer(paragraph.group()):
            cut = paragraph.start() + m.start()
            if any(o[0] < cut < o[1] - 1 for _, o in quotes):  # never inside quotation marks
                continue
            spans.append((start, paragraph.start() + m.end()))
            start = paragraph.start() + m.end()
        spans.append((start, paragraph.end()))
    return spans


class QuotesBaseline:
    """Rules of the module docstring; fit learns the PER/ORG/GPE surface forms of the train split (speakers)."""

    def __init__(self) -> None:
        self.names = LexicalBaseline()

    def fit(self, documents: list[dict[str, Any]]) -> QuotesBaseline:
        self.names.fit(documents)
        return self

    def _names(self, doc: dict[str, Any]) -> list[Span]:
        text = doc["text"]
        learned = [(m["start"], m["end"]) for m in self.names.predict(doc)["entities"] if m["type"] in ARGUMENT_TYPES]
        found = list(learned)
        for m in CAPITALISED.finditer(text):
            first = m.group().split()[0]
            span = (m.start() + len(first) + 1, m.end()) if first in NOT_NAMES else m.span()
            if span[0] < span[1] and not any(_overlaps(span, n) for n in learned):
                found.append(span)
        return sorted(found)

    def predict(self, doc: dict[str, Any]) -> dict[str, Any]:
        text = doc["text"]
        first_line = text.split("\n", 1)[0]
        headline = (0, len(first_line)) if doc.get("title") and first_line == doc["title"] else None
        quotes = _direct_quotes(text, headline)
        names = self._names(doc)
        quotations: list[dict[str, Any]] = []
        for sentence in _sentences(text, quotes):
            for q in self._in_sentence(text, sentence, quotes, names):
                if not any(_overlaps((q["start"], q["end"]), (o["start"], o["end"])) for o in quotations):
                    quotations.append(q)
        return {"doc_id": doc["id"], "quotations": sorted(quotations, key=lambda q: (q["start"], q["end"]))}

    def _in_sentence(self, text: str, sentence: Span, quotes: list[tuple[Span, Span]], names: list[Span]) -> list[dict[str, Any]]:
        s_start, s_end = sentence
        in_sentence = [(inner, outer) for inner, outer in quotes if _inside(outer, sentence)]
        cues = [m.span() for m in CUE.finditer(text, s_start, s_end) if not any(_inside(m.span(), o) for _, o in in_sentence)]
        found: list[tuple[Span, str, Span | None]] = []  # (span, kind, cue)
        used: list[Span] = []  # outer spans of quotations taken into an indirect one
        for k, cue in enumerate(cues):
            if any(_overlaps(cue, f[0]) for f in found):
                continue
            content = self._content(text, (s_start, self._clause_end(text, cue, cues[k + 1:], s_end)), cue, in_sentence)
            if content is not None and _words(text[content[0]:content[1]]) >= 2 and not any(_overlaps(content, f[0]) for f in found):
                inside = [(i, o) for i, o in in_sentence if _overlaps(o, content)]
                whole = next((i for i, o in inside if _inside(content, o) or _trim(text, *content, chars=" \t,.;:!?\"“”‘’") == _trim(text, *i, chars=" \t,.;:!?")), None)
                if whole is not None:
                    found.append((whole, "direct", cue))
                else:
                    content = (min([content[0], *(o[0] for _, o in inside)]), max([content[1], *(o[1] for _, o in inside)]))
                    found.append((content, "mixed" if inside else "indirect", cue))
                used.extend(o for _, o in inside)
        for inner, outer in in_sentence:
            if outer in used or inner[0] >= inner[1]:
                continue
            if _words(text[inner[0]:inner[1]]) <= 2 and not cues:
                continue  # a scare quote
            nearest = min(cues, key=lambda c: min(abs(c[0] - outer[1]), abs(outer[0] - c[1]))) if cues else None
            found.append((inner, "direct", nearest))
        return [self._record(text, sentence, span, kind, cue, names) for span, kind, cue in found]

    @staticmethod
    def _clause_end(text: str, cue: Span, later: list[Span], end: int) -> int:
        """Where the content after `cue` stops: before the next cue's clause (", and X told ..."), else the sentence end."""
        if not later:
            return end
        between = text[cue[1]:later[0][0]]
        cut = max(between.rfind(","), between.rfind(" and "), between.rfind(" but "))
        return cue[1] + (cut if cut > 0 else len(between))

    def _content(self, text: str, sentence: Span, cue: Span, quotes: list[tuple[Span, Span]]) -> Span | None:
        s_start, s_end = sentence
        phrase = re.sub(r"\s+", " ", text[cue[0]:cue[1]].lower())
        end_of_clause = s_end
        later = re.search(r",\s*according to\b", text[cue[1]:s_end])
        if later and phrase != "according to":
            end_of_clause = cue[1] + later.start()
        if phrase == "according to":
            return _trim(text, s_start, cue[0])
        before = text[s_start:cue[0]]
        comma = max(before.rfind(","), before.rfind("”"), before.rfind('"'))
        after = text[cue[1]:s_end]
        if comma > 0 and 1 <= _words(before[comma:]) <= 6 and _words(after) <= 3 and _words(before[:comma]) >= 2:
            end = s_start + comma
            for _, outer in quotes:  # ", X said" after a quotation: the comma may be inside its marks
                if outer[0] < end < outer[1]:
                    end = outer[1]
            return _trim(text, s_start, end)
        start = cue[1]
        link = re.search(r"\b(?:to|that)\b" if phrase in ADDRESSED else r"\bthat\b", text[start:min(start + 60, end_of_clause)])
        if link and _words(text[start:start + link.start()]) <= 6:  # the addressee, or "on Monday", "in a readout"
            start += link.end()
        elif phrase in ADDRESSED:  # "told him the US ...": one word of addressee
            pronoun = re.match(r"\s*(?:him|her|them|reporters|us|me)\b", text[start:end_of_clause])
            if pronoun:
                start += pronoun.end()
        start, end = _trim(text, start, end_of_clause)
        if re.match(r"that\b", text[start:end]):
            start, end = _trim(text, start + 4, end)
        return start, end

    def _record(self, text: str, sentence: Span, span: Span, kind: str, cue: Span | None, names: list[Span]) -> dict[str, Any]:
        outside = text[sentence[0]:span[0]] + " " * (span[1] - span[0]) + text[span[1]:sentence[1]]  # the sentence with the quotation blanked
        record: dict[str, Any] = {"start": span[0], "end": span[1], "text": text[span[0]:span[1]], "kind": kind}
        record["cue"] = None if cue is None else {"start": cue[0], "end": cue[1], "text": text[cue[0]:cue[1]]}
        speaker = self._speaker(text, sentence, span, cue, names)
        record["speaker"] = None if speaker is None else {"start": speaker[0], "end": speaker[1], "text": text[speaker[0]:speaker[1]]}
        record["source_type"] = next((label for label, pattern in SOURCES if pattern.search(outside)), None)
        record["side"] = self._side(text, outside, sentence[0], cue)
        return record

    @staticmethod
    def _speaker(text: str, sentence: Span, span: Span, cue: Span | None, names: list[Span]) -> Span | None:
        candidates = [n for n in names if _inside(n, sentence) and not _overlaps(n, span)]
        if cue is None:
            return None
        before = [n for n in candidates if n[1] <= cue[0]]
        after = [n for n in candidates if n[0] >= cue[1]]
        if re.sub(r"\s+", " ", text[cue[0]:cue[1]].lower()) == "according to" and after:
            return after[0]
        return before[-1] if before else (after[0] if after else None)

    @staticmethod
    def _side(text: str, outside: str, offset: int, cue: Span | None) -> str:
        """The side named nearest before the cue, else after it; a side named after "according to" (the source)
        first; the addressee of told/urged/... ("urged Washington") is not the speaker's side."""
        hits = [(m.start() + offset, side) for side, pattern in SIDES for m in pattern.finditer(outside)]
        if cue is not None and re.sub(r"\s+", " ", text[cue[0]:cue[1]].lower()) in ADDRESSED:
            hits = [h for h in hits if not cue[1] <= h[0] <= cue[1] + 2]
        source = re.search(r"\baccording to\b", outside)
        if source:
            hits = [h for h in hits if h[0] >= source.end() + offset] or hits
        if not hits:
            return "unknown"
        at = cue[0] if cue else offset
        before = [h for h in hits if h[0] < at]
        return max(before)[1] if before else min(hits)[1]


def main_quotes_baseline(split: str, release_dir: Path, out: str) -> int:
    """`detente baseline quotes --split S --out FILE`: learns names from the train split only."""
    check_output_file(Path(out))
    target = load_gold(release_dir, split)
    model = QuotesBaseline().fit(load_gold(release_dir, "train"))
    write_predictions([model.predict(doc) for doc in target], Path(out))
    print(f"quotes: wrote predictions for {len(target)} {split} document(s) to {out}")
    return 0
