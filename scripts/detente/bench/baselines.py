"""Baselines that write predictions files: a lexical baseline learned from the train split, and adapters for
pretrained extractors (spaCy, GLiNER) that run only when the user has the model installed locally.

Nothing here downloads anything: an adapter whose package or model is missing raises BaselineUnavailable.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from detente.bench.evaluate import load_gold
from detente.errors import DetenteError
from detente.io import check_output_file, jsonl_bytes, write_bytes_atomically

# Sentence ends: punctuation (and closing quotes) followed by space, or a paragraph break.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’]?\s+|\n")
ARGUMENT_TYPES = {"PER", "ORG", "GPE"}


class BaselineUnavailable(DetenteError):
    """The requested pretrained extractor is not installed here (nothing is downloaded)."""


def _is_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


class LexicalBaseline:
    """Memorises gold surface forms: entity strings -> most frequent type; trigger words -> most frequent event labels.

    Prediction is longest-match-first string search on word boundaries without overlaps. Each predicted event
    takes as actor the nearest PER/ORG/GPE mention before its trigger in the same sentence, as recipient the
    nearest one after it, and as time the nearest DATE in the sentence.
    """

    def __init__(self) -> None:
        self.entity_types: dict[str, str] = {}
        self.trigger_labels: dict[str, dict[str, Any]] = {}

    def fit(self, documents: list[dict[str, Any]]) -> LexicalBaseline:
        entity_counts: dict[str, Counter[str]] = defaultdict(Counter)
        trigger_counts: dict[str, Counter[tuple[Any, ...]]] = defaultdict(Counter)
        for doc in documents:
            for m in doc["entities"]:
                if m["level"] == "name":
                    entity_counts[m["text"]][m["type"]] += 1
            for e in doc["events"]:
                trigger_counts[e["trigger"]["text"].lower()][(e["plover"], e["mode"], e["ace"], e["realis"])] += 1
        # Ties are broken by label name so that training is deterministic.
        self.entity_types = {s: max(sorted(c), key=c.__getitem__) for s, c in entity_counts.items()}
        self.trigger_labels = {}
        for word, counts in trigger_counts.items():
            plover, mode, ace, realis = max(sorted(counts, key=str), key=counts.__getitem__)
            self.trigger_labels[word] = {"plover": plover, "mode": mode, "ace": ace, "realis": realis}
        return self

    def _find(self, text: str, surface_forms: list[str], case_sensitive: bool) -> list[tuple[int, int, str]]:
        haystack = text if case_sensitive else text.lower()
        taken = [False] * len(text)
        found = []
        for form in sorted(surface_forms, key=lambda f: (-len(f), f)):
            needle = form if case_sensitive else form.lower()
            start = haystack.find(needle)
            while start != -1:
                end = start + len(needle)
                if _is_boundary(text, start, end) and not any(taken[start:end]):
                    found.append((start, end, form))
                    for k in range(start, end):
                        taken[k] = True
                start = haystack.find(needle, start + 1)
        return sorted(found)

    def predict(self, doc: dict[str, Any]) -> dict[str, Any]:
        text = doc["text"]
        entities = [
            {"start": s, "end": e, "text": text[s:e], "type": self.entity_types[form], "level": "name"}
            for s, e, form in self._find(text, list(self.entity_types), case_sensitive=True)
        ]
        events = []
        for s, e, form in self._find(text, list(self.trigger_labels), case_sensitive=False):
            sentence = next((a, b) for a, b in _sentences(text) if a <= s < max(b, a + 1))
            in_sentence = [m for m in entities if sentence[0] <= m["start"] and m["end"] <= sentence[1]]
            before = [m for m in in_sentence if m["end"] <= s and m["type"] in ARGUMENT_TYPES]
            after = [m for m in in_sentence if m["start"] >= e and m["type"] in ARGUMENT_TYPES]
            dates = [m for m in in_sentence if m["type"] == "DATE"]
            arguments = []
            if before:
                arguments.append({"role": "actor", "start": before[-1]["start"], "end": before[-1]["end"]})
            if after:
                arguments.append({"role": "recipient", "start": after[0]["start"], "end": after[0]["end"]})
            if dates:
                nearest = min(dates, key=lambda m: abs(m["start"] - s))
                arguments.append({"role": "time", "start": nearest["start"], "end": nearest["end"]})
            events.append({"trigger": {"start": s, "end": e, "text": text[s:e]}, **self.trigger_labels[form.lower()], "arguments": arguments})
        return {"doc_id": doc["id"], "entities": entities, "events": events}


# spaCy/OntoNotes labels -> DETENTE entity types (the guidelines' mapping, read backwards).
SPACY_TYPE_MAP = {"PERSON": "PER", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC", "FAC": "FAC", "NORP": "NORP", "EVENT": "EVENT", "DATE": "DATE", "TIME": "TIME"}
# GLiNER takes label descriptions; each maps to one DETENTE type.
GLINER_LABELS = {
    "person": "PER", "organization": "ORG", "country or city": "GPE", "location": "LOC", "facility": "FAC",
    "nationality": "NORP", "named event": "EVENT", "date": "DATE", "job title": "TITLE",
}


def spacy_predictor(model: str):
    """Entity predictions from an installed spaCy pipeline (events are not predicted)."""
    try:
        import spacy  # noqa: PLC0415
    except ImportError:
        raise BaselineUnavailable("spaCy is not installed (pip install spacy, then install a pipeline package)") from None
    try:
        nlp = spacy.load(model)
    except OSError:
        raise BaselineUnavailable(f"spaCy pipeline {model!r} is not installed; DETENTE never downloads models") from None

    def predict(doc: dict[str, Any]) -> dict[str, Any]:
        parsed = nlp(doc["text"])
        return {
            "doc_id": doc["id"],
            "entities": [
                {"start": ent.start_char, "end": ent.end_char, "text": ent.text, "type": SPACY_TYPE_MAP[ent.label_], "level": "name"}
                for ent in parsed.ents
                if ent.label_ in SPACY_TYPE_MAP
            ],
            "events": [],
        }

    return predict


def gliner_predictor(model_path: str, threshold: float = 0.5):
    """Entity predictions from a GLiNER model already on disk (loaded with local_files_only)."""
    try:
        from gliner import GLiNER  # noqa: PLC0415
    except ImportError:
        raise BaselineUnavailable("gliner is not installed") from None
    if not Path(model_path).exists():
        raise BaselineUnavailable(f"GLiNER model folder {model_path!r} not found; DETENTE never downloads models")
    model = GLiNER.from_pretrained(model_path, local_files_only=True)

    def predict(doc: dict[str, Any]) -> dict[str, Any]:
        found = model.predict_entities(doc["text"], list(GLINER_LABELS), threshold=threshold)
        return {
            "doc_id": doc["id"],
            "entities": [{"start": f["start"], "end": f["end"], "text": doc["text"][f["start"]:f["end"]], "type": GLINER_LABELS[f["label"]], "level": "name"} for f in found],
            "events": [],
        }

    return predict


def write_predictions(records: list[dict[str, Any]], path: Path) -> None:
    write_bytes_atomically(path, jsonl_bytes(records))


def main_baseline(name: str, split: str, release_dir: Path, out: str, model: str | None) -> int:
    """`detente baseline lexical|spacy|gliner --split test --out FILE`."""
    check_output_file(Path(out))
    target = load_gold(release_dir, split)
    if name == "lexical":
        predictor = LexicalBaseline().fit(load_gold(release_dir, "train")).predict
    elif name == "spacy":
        predictor = spacy_predictor(model or "en_core_web_sm")
    elif name == "gliner":
        if model is None:
            raise BaselineUnavailable("gliner needs --model PATH to a model folder on disk")
        predictor = gliner_predictor(model)
    else:
        raise DetenteError(f"unknown baseline {name!r}")
    write_predictions([predictor(doc) for doc in target], Path(out))
    print(f"{name}: wrote predictions for {len(target)} {split} document(s) to {out}")
    return 0
