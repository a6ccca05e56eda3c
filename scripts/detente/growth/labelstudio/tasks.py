"""Label Studio tasks: one per document, the draft (or gold) annotation and the cleaner's line labels as predictions."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.growth.labelstudio.config import (
    CUE,
    CUE_LABEL,
    DRAFT_CLUSTER,
    ENTITY,
    LINE,
    PAGE,
    PARAPHRASE,
    QUOTATION,
    TEXT,
    TRIGGER,
    TRIGGER_LABEL,
    labelling_config,
)
from detente.growth.preannotate import source_registries
from detente.io import write_text_atomically
from detente.pipeline.annotate import Registries, compile_document, load_registries, read_yaml
from detente.pipeline.clean import (
    CleanedDocument,
    clean_document,
)
from detente.pipeline.corpus import RawDocument, load_document


def page_text(doc: RawDocument) -> str:
    return "\n".join(line.text for line in doc.lines)


def line_spans(doc: RawDocument) -> list[tuple[int, int, int]]:
    """(line number, start, end) of each raw line in page_text(doc)."""
    spans, offset = [], 0
    for line in doc.lines:
        spans.append((line.number, offset, offset + len(line.text)))
        offset += len(line.text) + 1
    return spans


# ---------------------------------------------------------------- export


def _region(region_id: str, from_name: str, to_name: str, kind: str, start: int, end: int, text: str, payload: Any) -> dict[str, Any]:
    return {"id": region_id, "from_name": from_name, "to_name": to_name, "type": kind, "value": {"start": start, "end": end, "text": text, **payload}}


def _trigger_region(results: list[dict[str, Any]], event: dict[str, Any], name: str, kind: str, payload: dict[str, Any]) -> None:
    trigger = event["trigger"]
    results.append(_region(event["id"], name, TEXT, kind, trigger["start"], trigger["end"], trigger["text"], payload))


def annotation_results(compiled: dict[str, list[dict[str, Any]]], text: str) -> list[dict[str, Any]]:
    """Compiled annotation -> Label Studio result items (regions, per-region fields, relations)."""
    results: list[dict[str, Any]] = []
    for m in compiled["entities"]:
        results.append(_region(m["id"], ENTITY, TEXT, "labels", m["start"], m["end"], m["text"], {"labels": [m["type"]]}))
        results.append(_region(m["id"], "level", TEXT, "choices", m["start"], m["end"], m["text"], {"choices": [m["level"]]}))
        if m["entity_id"]:
            results.append(_region(m["id"], "entity_id", TEXT, "textarea", m["start"], m["end"], m["text"], {"text": [m["entity_id"]]}))
    for e in compiled["events"]:
        add = partial(_trigger_region, results, e)
        add(TRIGGER, "labels", {"labels": [TRIGGER_LABEL]})
        for name in ("plover", "mode", "ace", "realis"):
            if e[name] is not None:
                add(name, "choices", {"choices": [e[name]]})
        date = e["date"]
        if date is not None:
            add("date_start", "textarea", {"text": [date["start"]]})
            if date["end"] is not None:
                add("date_end", "textarea", {"text": [date["end"]]})
            add("date_granularity", "choices", {"choices": [date["granularity"]]})
            add("date_anchor", "choices", {"choices": [date["anchor"]]})
            if date["expression"] is not None:
                add("date_expression", "textarea", {"text": [date["expression"]]})
        if not DRAFT_CLUSTER.match(e["cluster_id"]):  # a draft's placeholder is left empty for the reviewer
            add("cluster", "textarea", {"text": [e["cluster_id"]]})
        for arg in e["arguments"]:
            results.append(_relation(e["id"], arg["mention_id"], arg["role"]))
    for q in compiled.get("quotations", []):
        results += quotation_results(q)
    return results


def _relation(from_id: str, to_id: str, label: str) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}


def quotation_results(q: dict[str, Any]) -> list[dict[str, Any]]:
    """A compiled quotation -> its region (ID q<N>), fields, cue region (ID q<N>-cue) and relations from it."""
    on_span = partial(_region, q["id"], to_name=TEXT, start=q["start"], end=q["end"], text=q["text"])
    results = [on_span(from_name=QUOTATION, kind="labels", payload={"labels": [q["kind"]]})]
    chosen = {"paraphrase": PARAPHRASE if q["paraphrase"] else None, "source_type": q["source_type"], "side": q["side"]}
    results += [on_span(from_name=name, kind="choices", payload={"choices": [value]}) for name, value in chosen.items() if value is not None]
    if q["cue"] is not None:
        cue = q["cue"]
        results += [_region(f"{q['id']}-cue", CUE, TEXT, "labels", cue["start"], cue["end"], cue["text"], {"labels": [CUE_LABEL]}),
                    _relation(q["id"], f"{q['id']}-cue", "cue")]
    for link in ("speaker", "addressee", "about_event"):
        if q[f"{link}_id"] is not None:
            results.append(_relation(q["id"], q[f"{link}_id"], link))
    return results


def line_results(doc: RawDocument, cleaned: CleanedDocument) -> list[dict[str, Any]]:
    page = page_text(doc)
    categories = {lb.line: lb.category for lb in cleaned.labels}
    return [
        _region(f"line-{number}", LINE, PAGE, "labels", start, end, page[start:end], {"labels": [categories[number]]})
        for number, start, end in line_spans(doc)
        if end > start and page[start:end].strip()
    ]


def current_annotation(
    doc_id: str, source_dir: Path, text: str, registries: Registries | None = None,
) -> tuple[str | None, dict[str, list[dict[str, Any]]]] | None:
    """What annotations/<doc_id>.yaml holds now, compiled on `text`: (its status, compiled), or None without a file.
    `registries`: those of source_dir when not given (loading them is most of the time); a draft also compiles with
    its placeholder clusters (draft_clusters/<doc_id>.yaml)."""
    path = source_dir / "annotations" / f"{doc_id}.yaml"
    if not path.exists():
        return None
    source = read_yaml(path)
    status = source.get("status") if isinstance(source, dict) else None
    drafts = source_dir / "draft_clusters" / f"{doc_id}.yaml"
    extra = (drafts,) if status == "draft" and drafts.exists() else ()
    if registries is None:
        registries = source_registries(source_dir, extra)
    elif extra:
        registries = Registries(registries.entities, {**registries.events, **load_registries([], list(extra)).events})
    return status, compile_document(source, text, registries, str(path))


def document_task(doc_id: str, raw_dir: Path, source_dir: Path) -> dict[str, Any]:
    """One task: the document's texts, and its draft or gold annotation and line labels as a prediction."""
    doc = load_raw(doc_id, raw_dir, str(raw_dir / f"{doc_id}.txt"))
    cleaned = clean_document(doc, source_dir / "line_corrections")
    results: list[dict[str, Any]] = []
    model_version = "detente-cleaner (line labels only)"
    current = current_annotation(doc_id, source_dir, cleaned.text)
    if current is not None:
        status, compiled = current
        results = annotation_results(compiled, cleaned.text)
        model_version = "gold (reviewed)" if status == "reviewed" else "draft"
    results += line_results(doc, cleaned)
    date = doc.metadata["publication_date"]["value"]
    return {
        "data": {
            "doc_id": doc_id,
            "heading": f"{doc_id} | {cleaned.title or '(no title)'} | published {date or 'unknown'}",
            "publication_date": date,
            "text": cleaned.text,
            "page": page_text(doc),
        },
        "predictions": [{"model_version": model_version, "result": results}],
    }


def pending_documents(raw_dir: Path, source_dir: Path) -> list[str]:
    """Documents without reviewed annotation: the review queue."""
    pending = []
    for path in sorted(raw_dir.glob("dtn-*.txt")):
        source_path = source_dir / "annotations" / f"{path.stem}.yaml"
        source = read_yaml(source_path) if source_path.exists() else None
        if not (isinstance(source, dict) and source.get("status") == "reviewed"):
            pending.append(path.stem)
    return pending


def export_tasks(raw_dir: Path, source_dir: Path, doc_ids: list[str]) -> list[dict[str, Any]]:
    return [document_task(doc_id, raw_dir, source_dir) for doc_id in doc_ids]


def main_export(raw_dir: Path, source_dir: Path, out_dir: Path, doc_ids: list[str], include_all: bool) -> int:
    """`detente labelstudio export [DOC_ID...] [--all] [--out DIR]`: config.xml + tasks.json."""
    if not doc_ids:
        doc_ids = sorted(p.stem for p in raw_dir.glob("dtn-*.txt")) if include_all else pending_documents(raw_dir, source_dir)
    tasks = export_tasks(raw_dir, source_dir, doc_ids)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out_dir / "config.xml", labelling_config())
    write_text_atomically(out_dir / "tasks.json", json.dumps(tasks, indent=1, ensure_ascii=False) + "\n")
    print(f"{out_dir / 'config.xml'}: labelling config; {out_dir / 'tasks.json'}: {len(tasks)} task(s) {' '.join(doc_ids)}".rstrip())
    return 0


def accept_predictions(tasks: list[dict[str, Any]], annotator_id: int = 1) -> list[dict[str, Any]]:
    """The JSON export Label Studio makes when a reviewer submits every prediction unchanged (for tests and scripts)."""
    exported = []
    for k, task in enumerate(tasks, start=1):
        result = json.loads(json.dumps(task["predictions"][0]["result"]))
        exported.append({
            "id": k, "data": task["data"], "predictions": [k], "meta": {}, "total_annotations": 1, "cancelled_annotations": 0,
            "annotations": [{"id": k, "completed_by": annotator_id, "was_cancelled": False, "ground_truth": False, "result": result, "task": k}],
        })
    return exported


# ---------------------------------------------------------------- import


def load_raw(doc_id: Any, raw_dir: Path, where: str) -> RawDocument:
    if not isinstance(doc_id, str) or not (raw_dir / f"{doc_id}.txt").exists():
        raise InputError(where, f"document {doc_id!r} is not in {raw_dir}: a task for an unknown document")
    return load_document(raw_dir / f"{doc_id}.txt")
