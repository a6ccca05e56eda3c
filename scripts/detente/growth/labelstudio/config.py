"""The Label Studio labelling config, generated from schema/labels.schema.json so it cannot drift from the schema.

One project, one config, one task per document, two texts:
- `text`, the clean text: entity mentions (`entity` labels = entity types) and event triggers (`trigger`);
  per-region fields: mention `level`, `entity_id` and, for an entity not yet in the registry, `entity_name`;
  event `plover`, `mode`, `ace`, `realis`, `date_start`, `date_end`, `date_granularity`, `date_anchor`,
  `date_expression`, `cluster` and, for a new event cluster, `cluster_name`. Arguments are relations from a
  trigger to a mention labelled with their role.
  Quotations (ANNOTATION_GUIDELINES.md §8): a `quotation` span labelled with its kind, per-region `paraphrase`
  (a checkbox), `source_type` and `side`; its cue is a `cue` span. Relations from the quotation, labelled
  `speaker` or `addressee` (to a mention), `cue` (to a cue span, or to a trigger that is the cue) and
  `about_event` (to a trigger).
- `page`, the raw page's lines joined by "\\n": one `line` region per non-blank line labelled with its category.
Every label set is read from schema/labels.schema.json, so the config cannot drift from the schema.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from detente.schemas import label_set

TEXT, PAGE = "text", "page"
ENTITY, TRIGGER, LINE, QUOTATION, CUE = "entity", "trigger", "line", "quotation", "cue"
TRIGGER_LABEL, CUE_LABEL = "trigger", "cue"
PARAPHRASE = "paraphrase"  # the one choice of the `paraphrase` checkbox: checked is `paraphrase: true`
CHOICE_FIELDS = {  # per-region Choices control -> label set in labels.schema.json
    "level": "mention_level",
    "plover": "plover_type",
    "mode": "plover_mode",
    "ace": "ace_subtype",
    "realis": "realis",
    "date_granularity": "date_granularity",
    "date_anchor": "date_anchor",
    "source_type": "quotation_source_type",
    "side": "quotation_side",
}
TEXT_FIELDS = ("entity_id", "entity_name", "date_start", "date_end", "date_expression", "cluster", "cluster_name")
ENTITY_FIELDS = ("level", "entity_id", "entity_name")
EVENT_FIELDS = ("plover", "mode", "ace", "realis", "date_start", "date_end", "date_granularity", "date_anchor", "date_expression", "cluster", "cluster_name")
QUOTATION_FIELDS = ("paraphrase", "source_type", "side")
# Relation label -> the controls its other end may be (its first end is the quotation); the labels are the fields
# of a quotation in the source format (schema/annotation_source.schema.json, $defs/quotation).
QUOTATION_LINKS = {"speaker": (ENTITY,), "addressee": (ENTITY,), "cue": (CUE, TRIGGER), "about_event": (TRIGGER,)}
DRAFT_CLUSTER = re.compile(r"^evt:draft-")
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c", "#fabebe", "#008080",
           "#e6beff", "#9a6324", "#800000", "#aaffc3", "#808000", "#ffd8b1", "#000075", "#808080", "#ffe119", "#a9a9a9"]
PROJECT_TITLE = "DETENTE review"


# ---------------------------------------------------------------- config


def labelling_config() -> str:
    """The Label Studio labelling config (XML), generated from the closed label sets of the schema."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$heading")
    ET.SubElement(view, "Header", value="Clean text: entity mentions, event triggers, quotations and their cues (ANNOTATION_GUIDELINES.md)", size="5")
    entity = ET.SubElement(view, "Labels", name=ENTITY, toName=TEXT, showInline="true")
    for k, value in enumerate(label_set("entity_type")):
        ET.SubElement(entity, "Label", value=value, background=PALETTE[k % len(PALETTE)])
    trigger = ET.SubElement(view, "Labels", name=TRIGGER, toName=TEXT, showInline="true")
    ET.SubElement(trigger, "Label", value=TRIGGER_LABEL, background="#ffe119")
    quotation = ET.SubElement(view, "Labels", name=QUOTATION, toName=TEXT, showInline="true")
    for k, value in enumerate(label_set("quotation_kind")):
        ET.SubElement(quotation, "Label", value=value, background=PALETTE[(k + 10) % len(PALETTE)])
    cue = ET.SubElement(view, "Labels", name=CUE, toName=TEXT, showInline="true")
    ET.SubElement(cue, "Label", value=CUE_LABEL, background="#a9a9a9")
    relations = ET.SubElement(view, "Relations")
    for role in relation_labels():
        ET.SubElement(relations, "Relation", value=role)
    ET.SubElement(view, "Text", name=TEXT, value="$text")

    mention = ET.SubElement(view, "View", visibleWhen="region-selected", whenTagName=ENTITY)
    ET.SubElement(mention, "Header", value="Mention", size="5")
    _choices(mention, "level")
    _text_field(mention, "entity_id", "registry entity ID (ent:...); empty for DATE, TIME, TITLE")
    _text_field(mention, "entity_name", "only for a NEW entity: its canonical name (adds a registry record)")

    event = ET.SubElement(view, "View", visibleWhen="region-selected", whenTagName=TRIGGER)
    ET.SubElement(event, "Header", value="Event (arguments: relations from the trigger to mentions, labelled with the role)", size="5")
    for name in ("plover", "mode", "ace", "realis"):
        _choices(event, name, layout="select" if name in ("plover", "mode", "ace") else None)
    _text_field(event, "date_start", "date start: YYYY, YYYY-MM or YYYY-MM-DD (empty: no date)")
    _text_field(event, "date_end", "date end, for an interval")
    _choices(event, "date_granularity")
    _choices(event, "date_anchor")
    _text_field(event, "date_expression", "the time expression, as quoted")
    _text_field(event, "cluster", "event cluster ID (evt:...)")
    _text_field(event, "cluster_name", "only for a NEW cluster: its name (adds a registry record)")

    quote = ET.SubElement(view, "View", visibleWhen="region-selected", whenTagName=QUOTATION)
    ET.SubElement(quote, "Header", value="Quotation (relations from it: speaker, addressee, cue, about_event; §8)", size="5")
    paraphrase = ET.SubElement(quote, "Choices", name="paraphrase", toName=TEXT, perRegion="true", choice="multiple", showInline="true")
    ET.SubElement(paraphrase, "Choice", value=PARAPHRASE, hint="only summarises what was said, without its content")
    _choices(quote, "source_type", layout="select")
    _choices(quote, "side")

    ET.SubElement(view, "Header", value="Page lines: the category of each line (content / metadata / boilerplate)", size="5")
    line = ET.SubElement(view, "Labels", name=LINE, toName=PAGE, showInline="true")
    for k, value in enumerate(label_set("line_category")):
        ET.SubElement(line, "Label", value=value, background=PALETTE[k % len(PALETTE)])
    ET.SubElement(view, "Text", name=PAGE, value="$page")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def relation_labels() -> list[str]:
    """Argument roles (trigger -> mention), then the quotation links; one Relations control holds both."""
    roles = label_set("argument_role")
    assert not set(roles) & set(QUOTATION_LINKS), "an argument role is also a quotation link"
    return roles + list(QUOTATION_LINKS)


def choice_values(name: str) -> list[str]:
    """The values a per-region Choices control allows."""
    return [PARAPHRASE] if name == "paraphrase" else label_set(CHOICE_FIELDS[name])


def _choices(parent: ET.Element, name: str, layout: str | None = None) -> None:
    attrs = {"name": name, "toName": TEXT, "perRegion": "true", "choice": "single", "showInline": "true"}
    if layout:
        attrs["layout"] = layout
    ET.SubElement(parent, "Header", value=name.replace("_", " "), size="6")
    choices = ET.SubElement(parent, "Choices", attrs)
    for value in label_set(CHOICE_FIELDS[name]):
        ET.SubElement(choices, "Choice", value=value)


def _text_field(parent: ET.Element, name: str, placeholder: str) -> None:
    ET.SubElement(parent, "TextArea", name=name, toName=TEXT, perRegion="true", editable="true", maxSubmissions="1", rows="1", placeholder=placeholder)


# ---------------------------------------------------------------- offsets


