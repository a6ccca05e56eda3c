"""`detente evaluate-lines`: score a predictions file, or the cleaner itself, against gold line labels."""

from __future__ import annotations

import json
from pathlib import Path

from detente.bench.lines_score import (
    GoldPage,
    format_report,
    predictions_as_lists,
    read_gold,
    read_line_predictions,
    score_lines,
)
from detente.errors import InputError
from detente.io import check_writable_file, write_bytes_atomically
from detente.lines.model import LineModel, default_model, load_model
from detente.pipeline.clean import clean_text, cleaner_id


def cleaner_predictions(gold: dict[str, GoldPage], model: LineModel) -> dict[str, list[int]]:
    """The cleaner's content decision (no corrections applied) on every gold page: 1 = a content-class line."""
    predicted = {}
    for page_id, page in gold.items():
        labels = clean_text("\n".join(page.lines) + "\n", where=page_id, model=model).labels
        predicted[page_id] = [int(label.line_class == "content") for label in labels]
    return predicted


def main_evaluate_lines(predictions: str | None, gold: str, model_path: str | None = None, json_out: str | None = None) -> int:
    """`detente evaluate-lines`: print the report (and write it as JSON to `json_out`); InputError propagates."""
    if predictions and model_path:
        raise InputError("--model", "scores the cleaner with that model; with --predictions there is nothing to run it on")
    if json_out:
        check_writable_file(Path(json_out))
        if not Path(json_out).parent.is_dir():
            raise InputError(json_out, "its folder does not exist")
    gold_pages = read_gold(Path(gold))
    if predictions:
        predicted = predictions_as_lists(read_line_predictions(Path(predictions), gold_pages), gold_pages)
        source = predictions
    else:
        model = load_model(Path(model_path)) if model_path else default_model()
        predicted = cleaner_predictions(gold_pages, model)
        source = f"the cleaner ({cleaner_id(model)})"
    scores = score_lines(gold_pages, predicted)
    print(f"predictions: {source}")
    print(format_report(scores))
    if json_out:
        write_bytes_atomically(Path(json_out), (json.dumps({"predictions": source, **scores.as_dict()}, indent=2) + "\n").encode("utf-8"))
    return 0
