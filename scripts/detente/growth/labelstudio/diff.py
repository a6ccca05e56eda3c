"""What an import changes in one document's annotation, counted by identity, and the guard against losing gold.

Identities, on raw page offsets (so a mention a line correction moves in the clean text keeps its identity):
- a mention is (start, end, type); its level and entity ID are what may change;
- an event is its trigger span and type (PLOVER type, or the ACE subtype when there is none); its mode, ACE
  subtype, realis, date and cluster are what may change;
- an argument is (its event's trigger span, role, its mention's span);
- a quotation is its span; its kind, paraphrase, source type, side and the spans of its speaker, addressee, cue
  and event trigger are what may change. A document whose annotation has no `quotations:` block (before and
  after) has no quotation layer: its diff has no quotation count.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from detente.pipeline.clean import CleanedDocument

# An import that removes more than this share of a gold document's mentions, events, arguments or quotations is refused
# unless --allow-removals is given. A second review of gold corrects a few items (one gold document holds 28-59
# events, 103-184 mentions); losing more than a tenth of one kind is the mark of a review made without the
# predictions loaded, of the wrong task, or of an edit gone wrong, and is worth a deliberate second command.
MAX_REMOVED_SHARE = 0.10

Compiled = dict[str, list[dict[str, Any]]]
Item = tuple[Hashable, str]  # (identity, the other attributes as canonical JSON)


@dataclass(frozen=True)
class Change:
    before: int
    after: int
    added: int
    removed: int
    changed: int  # same identity, other attributes differ

    def __str__(self) -> str:
        return f"{self.before} -> {self.after} (+{self.added} -{self.removed} ~{self.changed})"


@dataclass(frozen=True)
class Diff:
    base: str  # "gold" (the file is reviewed), "draft", or "none" (no annotation file yet)
    mentions: Change
    events: Change
    arguments: Change
    quotations: Change | None = None  # None: no quotation layer, before or after

    def parts(self) -> dict[str, Change]:
        parts = {"mentions": self.mentions, "events": self.events, "arguments": self.arguments}
        return parts | ({"quotations": self.quotations} if self.quotations is not None else {})

    def summary(self) -> str:
        against = {"gold": "against the gold", "draft": "against the draft", "none": "new annotation file"}[self.base]
        return f"{against}: " + ", ".join(f"{name} {change}" for name, change in self.parts().items())

    def losses(self) -> dict[str, Change]:
        """The kinds of which the import removes more than MAX_REMOVED_SHARE of the gold (a draft loses nothing)."""
        if self.base != "gold":
            return {}
        return {kind: c for kind, c in self.parts().items() if c.removed > MAX_REMOVED_SHARE * c.before}


def _raw_offset(cleaned: CleanedDocument, offset: int) -> int:
    """The raw page offset of the clean text's character at `offset`."""
    seg = next(s for s in cleaned.segments if s.start <= offset < s.start + s.length)
    return seg.raw_start + offset - seg.start


def _raw_span(cleaned: CleanedDocument, start: int, end: int) -> tuple[int, int]:
    return _raw_offset(cleaned, start), _raw_offset(cleaned, end - 1) + 1


def _attributes(record: dict[str, Any], keys: tuple[str, ...]) -> str:
    return json.dumps([record[k] for k in keys], sort_keys=True)


def identities(compiled: Compiled, cleaned: CleanedDocument) -> dict[str, list[Item]]:
    """Mentions, events, arguments (and quotations, with the layer) of a compiled annotation as (identity, attributes)
    items."""
    spans = {m["id"]: _raw_span(cleaned, m["start"], m["end"]) for m in compiled["entities"]}
    mentions: list[Item] = [((spans[m["id"]], m["type"]), _attributes(m, ("level", "entity_id"))) for m in compiled["entities"]]
    events: list[Item] = []
    arguments: list[Item] = []
    for e in compiled["events"]:
        trigger = _raw_span(cleaned, e["trigger"]["start"], e["trigger"]["end"])
        events.append(((trigger, e["plover"] or e["ace"]), _attributes(e, ("mode", "ace", "realis", "date", "cluster_id"))))
        arguments += [((trigger, a["role"], spans[a["mention_id"]]), "") for a in e["arguments"]]
    items = {"mentions": mentions, "events": events, "arguments": arguments}
    if "quotations" in compiled:
        triggers = {e["id"]: _raw_span(cleaned, e["trigger"]["start"], e["trigger"]["end"]) for e in compiled["events"]}

        def links(q: dict[str, Any]) -> str:
            cue = q["cue"] and _raw_span(cleaned, q["cue"]["start"], q["cue"]["end"])
            ends = [spans.get(q["speaker_id"]), spans.get(q["addressee_id"]), cue, triggers.get(q["about_event_id"])]
            return json.dumps([ends, _attributes(q, ("kind", "paraphrase", "source_type", "side"))])

        items["quotations"] = [(_raw_span(cleaned, q["start"], q["end"]), links(q)) for q in compiled["quotations"]]
    return items


def _change(old: list[Item], new: list[Item]) -> Change:
    old_ids, new_ids = Counter(i for i, _ in old), Counter(i for i, _ in new)
    unchanged = sum((Counter(old) & Counter(new)).values())
    return Change(len(old), len(new), (new_ids - old_ids).total(), (old_ids - new_ids).total(), (old_ids & new_ids).total() - unchanged)


def annotation_diff(base: str, before: dict[str, list[Item]] | None, after: dict[str, list[Item]]) -> Diff:
    """The diff of `after` against `before` (None: no annotation file, every item is added)."""
    old = before or {kind: [] for kind in after}
    quotations = None
    if "quotations" in old or "quotations" in after:
        quotations = _change(old.get("quotations", []), after.get("quotations", []))
    return Diff(
        base, _change(old["mentions"], after["mentions"]), _change(old["events"], after["events"]), _change(old["arguments"], after["arguments"]),
        quotations,
    )
