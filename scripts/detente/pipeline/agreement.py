"""Inter-annotator agreement with the matching rules a benchmark uses (one annotation as reference, the other as prediction)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.paths import SOURCE_DIR
from detente.pipeline.annotate import (
    clean_text_for,
    compile_document,
    load_registries,
    read_yaml,
)
from detente.scoring import PRF, QUOTATION_ATTRIBUTES, match, overlap_pairs, prf_cells, prf_header, quotation_attributes, quotation_scores


def _mentions(doc: dict[str, Any], names_only: bool) -> list[dict[str, Any]]:
    return [m for m in doc["entities"] if not names_only or m["level"] == "name"]


def _arguments(doc: dict[str, Any], with_role: bool) -> set[tuple[Any, ...]]:
    spans = {m["id"]: (m["start"], m["end"]) for m in doc["entities"]}
    return {
        (e["plover"] or e["ace"], *spans[a["mention_id"]], *((a["role"],) if with_role else ()))
        for e in doc["events"]
        for a in e["arguments"]
    }


def _agreement_on(ref: list[dict[str, Any]], pred: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], value: Callable[[dict[str, Any]], Any]) -> tuple[int, int]:
    """(agreeing, matched) over items matched by `key`, comparing `value`."""
    pred_by_key = {key(x): x for x in pred}
    matched = [(x, pred_by_key[key(x)]) for x in ref if key(x) in pred_by_key]
    return sum(value(a) == value(b) for a, b in matched), len(matched)


def compare(reference: dict[str, Any], prediction: dict[str, Any]) -> dict[str, Any]:
    """All agreement figures for one document pair (compiled annotations: {"entities": [...], "events": [...]})."""
    scores: dict[str, PRF] = {}
    for scope, names_only in (("names", True), ("all_levels", False)):
        ref_m, pred_m = _mentions(reference, names_only), _mentions(prediction, names_only)
        scores[f"entity_strict_{scope}"] = match({(m["start"], m["end"], m["type"]) for m in ref_m}, {(m["start"], m["end"], m["type"]) for m in pred_m})
        scores[f"entity_span_{scope}"] = match({(m["start"], m["end"]) for m in ref_m}, {(m["start"], m["end"]) for m in pred_m})
    trig = lambda e: (e["trigger"]["start"], e["trigger"]["end"])  # noqa: E731
    scores["trigger_identification"] = match({trig(e) for e in reference["events"]}, {trig(e) for e in prediction["events"]})
    scores["trigger_classification"] = match({(*trig(e), e["plover"], e["ace"]) for e in reference["events"]}, {(*trig(e), e["plover"], e["ace"]) for e in prediction["events"]})
    scores["trigger_classification_plover"] = match({(*trig(e), e["plover"]) for e in reference["events"]}, {(*trig(e), e["plover"]) for e in prediction["events"]})
    scores["argument_identification"] = match(_arguments(reference, False), _arguments(prediction, False))
    scores["argument_classification"] = match(_arguments(reference, True), _arguments(prediction, True))
    typed = lambda e: (*trig(e), e["plover"])  # noqa: E731
    counts = {
        "mode": _agreement_on(reference["events"], prediction["events"], typed, lambda e: e["mode"]),
        "realis": _agreement_on(reference["events"], prediction["events"], typed, lambda e: e["realis"]),
        "date": _agreement_on(reference["events"], prediction["events"], typed, lambda e: None if e["date"] is None else (e["date"]["start"], e["date"]["end"], e["date"]["granularity"])),
        "entity_link": _agreement_on(
            [m for m in reference["entities"] if m["entity_id"]], [m for m in prediction["entities"] if m["entity_id"]],
            lambda m: (m["start"], m["end"], m["type"]), lambda m: m["entity_id"],
        ),
    }
    if "quotations" in reference and "quotations" in prediction:  # both annotated the quotation layer (§8)
        quotation_prf, quotation_counts = quotation_scores(reference, prediction)
        scores.update(quotation_prf)
        counts.update({f"quotation_{name}": value for name, value in quotation_counts.items()})
    return {"prf": scores, "agreement_counts": counts}


def summarise(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-average over document pairs."""
    prf: dict[str, PRF] = {}
    counts: dict[str, tuple[int, int]] = {}
    for pair in pairs:
        for name, value in pair["prf"].items():
            prf[name] = prf.get(name, PRF(0, 0, 0)) + value
        for name, (agree, total) in pair["agreement_counts"].items():
            a, t = counts.get(name, (0, 0))
            counts[name] = (a + agree, t + total)
    return {
        "f1": {name: value.as_dict() for name, value in prf.items()},
        "accuracy_on_matched": {name: {"agree": a, "matched": t, "accuracy": round(a / t, 4) if t else None} for name, (a, t) in counts.items()},
    }


def format_table(summary: dict[str, Any]) -> str:
    lines = [f"{'measure':<34}{prf_header(8)}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for name, v in summary["f1"].items():
        lines.append(f"{name:<34}{prf_cells(v['precision'], v['recall'], v['f1'], 8)}{v['tp']:>6}{v['fp']:>6}{v['fn']:>6}")
    for name, v in summary["accuracy_on_matched"].items():
        acc = "n/a" if v["accuracy"] is None else f"{v['accuracy']:.3f}"
        lines.append(f"{name + ' agreement (matched)':<34}{acc:>24}  ({v['agree']}/{v['matched']})")
    return "\n".join(lines)


def main_agreement(
    reference_dir: str, prediction_dir: str, doc_ids: list[str], text_dir: str | None,
    entity_files: list[str], event_files: list[str], json_out: str | None, show_diff: bool = False,
) -> int:
    """`detente agreement REF_DIR PRED_DIR DOC_ID...`: compare two annotation passes."""
    registries = load_registries([SOURCE_DIR / "entities.yaml", *map(Path, entity_files)], [SOURCE_DIR / "events.yaml", *map(Path, event_files)])
    pairs = []
    for doc_id in doc_ids:
        text = clean_text_for(doc_id, text_dir)
        ref_path, pred_path = Path(reference_dir) / f"{doc_id}.yaml", Path(prediction_dir) / f"{doc_id}.yaml"
        reference = compile_document(read_yaml(ref_path), text, registries, str(ref_path))
        prediction = compile_document(read_yaml(pred_path), text, registries, str(pred_path))
        pairs.append(compare(reference, prediction))
        if show_diff:
            print(f"== {doc_id}: A={ref_path} B={pred_path}")
            print("\n".join(disagreements(reference, prediction, text)))
    summary = summarise(pairs)
    print(format_table(summary))
    if json_out:
        Path(json_out).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


def disagreements(reference: dict[str, Any], prediction: dict[str, Any], text: str) -> list[str]:
    """Human-readable list of what one pass has and the other lacks (for adjudication)."""
    out = []
    ref_m = {(m["start"], m["end"], m["type"]): m for m in reference["entities"]}
    pred_m = {(m["start"], m["end"], m["type"]): m for m in prediction["entities"]}
    for key in sorted(set(ref_m) ^ set(pred_m)):
        side = "A only" if key in ref_m else "B only"
        m = ref_m.get(key) or pred_m[key]
        out.append(f"mention {side}: {text[key[0]:key[1]]!r} [{key[0]},{key[1]}) {key[2]} {m['level']} ...{text[max(0, key[0] - 30):key[0]]!r}")
    for key in sorted(set(ref_m) & set(pred_m)):
        if ref_m[key]["entity_id"] != pred_m[key]["entity_id"]:
            out.append(f"link differs: {text[key[0]:key[1]]!r} A={ref_m[key]['entity_id']} B={pred_m[key]['entity_id']}")
    ref_e = {(e["trigger"]["start"], e["trigger"]["end"]): e for e in reference["events"]}
    pred_e = {(e["trigger"]["start"], e["trigger"]["end"]): e for e in prediction["events"]}
    for span in sorted(set(ref_e) | set(pred_e)):
        a, b = ref_e.get(span), pred_e.get(span)
        context = text[max(0, span[0] - 40):span[1] + 40].replace("\n", " ")
        if a is None or b is None:
            e = a if a is not None else pred_e[span]
            out.append(f"event {'A only' if b is None else 'B only'}: {text[span[0]:span[1]]!r} {e['plover']}/{e['mode']} {e['ace']} {e['realis']} | {context!r}")
            continue
        fields = [f for f in ("plover", "mode", "ace", "realis", "date", "cluster_id") if a[f] != b[f]]
        for f in fields:
            out.append(f"event {text[span[0]:span[1]]!r} {f}: A={a[f]} B={b[f]} | {context!r}")
        spans_a = {m["id"]: text[m["start"]:m["end"]] for m in reference["entities"]}
        spans_b = {m["id"]: text[m["start"]:m["end"]] for m in prediction["entities"]}
        args_a = sorted((r["role"], spans_a[r["mention_id"]]) for r in a["arguments"])
        args_b = sorted((r["role"], spans_b[r["mention_id"]]) for r in b["arguments"])
        if args_a != args_b:
            out.append(f"event {text[span[0]:span[1]]!r} arguments: A={args_a} B={args_b}")
    if "quotations" in reference and "quotations" in prediction:
        out.extend(_quotation_disagreements(reference, prediction, text))
    return out


def _quotation_disagreements(reference: dict[str, Any], prediction: dict[str, Any], text: str) -> list[str]:
    ref_q, pred_q = reference["quotations"], prediction["quotations"]
    pairs = overlap_pairs([(q["start"], q["end"]) for q in ref_q], [(q["start"], q["end"]) for q in pred_q])
    out = []
    for i, q in enumerate(ref_q):
        if i not in {a for a, _ in pairs}:
            out.append(f"quotation A only: {q['text'][:80]!r} [{q['start']},{q['end']})")
    for j, q in enumerate(pred_q):
        if j not in {b for _, b in pairs}:
            out.append(f"quotation B only: {q['text'][:80]!r} [{q['start']},{q['end']})")
    ref_attrs, pred_attrs = quotation_attributes(reference), quotation_attributes(prediction)
    for i, j in pairs:
        a, b = ref_q[i], pred_q[j]
        if (a["start"], a["end"]) != (b["start"], b["end"]):
            out.append(f"quotation span: A={a['text']!r} B={b['text']!r}")
        attrs_a, attrs_b = ref_attrs[i], pred_attrs[j]
        for name in QUOTATION_ATTRIBUTES:
            if attrs_a[name] != attrs_b[name]:
                out.append(f"quotation {a['text'][:50]!r} {name}: A={attrs_a[name]} B={attrs_b[name]}")
    return out


@dataclass(frozen=True)
class Study:
    """One stored agreement study under annotated/source/: its passes as made, and what is compared with what."""

    key: str
    folder: str  # under the source folder
    guidelines: str
    description: str  # how the passes were made (printed with the figures)
    passes: dict[str, str]  # pass name -> subfolder of `folder`; "gold" is the adjudicated annotations/
    comparisons: dict[str, tuple[str, str]]  # label -> (reference pass, predicted pass)
    registry_globs: tuple[str, str]  # (entity files, event files) under `folder`: records only the passes use
    layer: str = "annotation"  # what the passes annotated: "annotation" (entities and events) or "quotations" (§8)


STUDIES = (
    Study(
        "v1.0", "agreement", "v1.0 (adjudicated into v1.1, guidelines §5)",
        "Two independent passes under guidelines v1.0: pass A by the primary annotator, pass B by a second annotator who "
        "saw neither pass A nor any other annotation; the gold is their adjudication.",
        {"a": "pass_a", "b": "pass_b"},
        {"a_vs_b (before adjudication)": ("a", "b"), "a_vs_gold (current gold)": ("gold", "a"), "b_vs_gold (current gold)": ("gold", "b")},
        ("pass_b_entities.yaml", "*_events.yaml"),
    ),
    Study(
        "v1.2", "agreement/v1.2", "v1.2 (guidelines §7)",
        "Two fresh passes under guidelines v1.2, C and D, each document by annotators who saw neither the gold nor any "
        "other pass (only the guidelines' rules, the clean text, the publication date and the entity registry), on "
        "two documents outside the v1.0 study; `gold_before` is the gold as re-checked against v1.2 before the passes "
        "were read, `gold` the gold after adjudicating what they found (which adopted some of their choices, so the "
        "'after' columns are not independent evidence).",
        {"c": "pass_c", "d": "pass_d", "gold_before": "gold_before"},
        {
            "c_vs_d": ("c", "d"),
            "c_vs_gold (before adjudication)": ("gold_before", "c"),
            "d_vs_gold (before adjudication)": ("gold_before", "d"),
            "c_vs_gold (after)": ("gold", "c"),
            "d_vs_gold (after)": ("gold", "d"),
        },
        ("pass_*/entities_*.yaml", "pass_*/events_*.yaml"),
    ),
    Study(
        "quotations", "agreement/quotations", "v1.3 (quotations, guidelines §8)",
        "The quotation layer: the primary pass over all five documents, of which two were also annotated by a second "
        "annotator who saw neither the primary pass nor any other quotation annotation (both on the gold entities and "
        "events); the gold is their adjudication.",
        {"primary": "pass_primary", "second": "pass_second"},
        {
            "primary_vs_second (before adjudication)": ("primary", "second"),
            "primary_vs_gold (after)": ("gold", "primary"),
            "second_vs_gold (after)": ("gold", "second"),
        },
        ("pass_*/entities_*.yaml", "pass_*/events_*.yaml"),
        layer="quotations",
    ),
)


def agreement_study(source_dir: Path, texts: dict[str, str]) -> dict[str, Any]:
    """Figures of every stored agreement study (annotated/source/agreement/...) whose folder exists, recomputed."""
    return {"studies": [_study_figures(study, source_dir, texts) for study in STUDIES if (source_dir / study.folder).is_dir()]}


def _study_figures(study: Study, source_dir: Path, texts: dict[str, str]) -> dict[str, Any]:
    folder = source_dir / study.folder
    entity_glob, event_glob = study.registry_globs
    registries = load_registries(
        [source_dir / "entities.yaml", *sorted(folder.glob(entity_glob))], [source_dir / "events.yaml", *sorted(folder.glob(event_glob))]
    )
    documents_pass = list(study.passes.values())[-1]  # the study's documents: those of its last (independent) pass
    doc_ids = sorted(p.stem for p in (folder / documents_pass).glob("*.yaml") if p.stem.startswith("dtn-"))

    def compiled(pass_folder: Path, doc_id: str) -> dict[str, Any]:
        path = pass_folder / f"{doc_id}.yaml"
        return compile_document(read_yaml(path), texts[doc_id], registries, str(path))

    passes = {name: folder / sub for name, sub in study.passes.items()} | {"gold": source_dir / "annotations"}
    loaded = {name: {d: compiled(pass_folder, d) for d in doc_ids} for name, pass_folder in passes.items()}
    return {
        "study": study.key,
        "guidelines": study.guidelines,
        "layer": study.layer,
        "description": study.description,
        "documents": doc_ids,
        "comparisons": {label: summarise([compare(loaded[r][d], loaded[p][d]) for d in doc_ids]) for label, (r, p) in study.comparisons.items()},
    }
