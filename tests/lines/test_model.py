"""Loading the line model: its own text format, never pickle; a missing or corrupt file is a clear error."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from detente.errors import InputError
from detente.lines.features import CONTEXT_NAMES, FEATURE_NAMES, page_features
from detente.lines.model import (
    DEFAULT_MODEL,
    MODEL_FORMAT,
    default_model,
    load_model,
    parse_model,
    two_stage_probabilities,
)

PACKAGED = Path(__file__).resolve().parents[2] / "scripts" / "detente" / "lines" / DEFAULT_MODEL


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _document() -> dict:
    return json.loads(PACKAGED.read_text(encoding="utf-8"))


def _write(tmp_path: Path, document: dict | str) -> Path:
    path = tmp_path / "model.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def test_loading_never_unpickles(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    model = parse_model(PACKAGED.read_bytes(), "packaged")
    assert model.model_id.startswith("line-model-") and 0 < model.threshold < 1


def test_the_packaged_model_is_named_by_its_hash():
    import hashlib

    assert default_model().sha256 == hashlib.sha256(PACKAGED.read_bytes()).hexdigest()


def test_probabilities_one_per_line_and_zero_for_blank_lines():
    lines = ["Home", "", "The minister said on Monday that the talks had been long, frank and useful for both sides.", "Share"]
    p = default_model().content_probabilities(lines)
    assert p.shape == (4,) and p[1] == 0.0 and all(0 <= v <= 1 for v in p)
    assert default_model().content_probabilities([]).shape == (0,)


def test_features_have_one_row_per_line_and_named_columns():
    features, text_mask = page_features(["A", "", "B c d."])
    assert features.shape == (2, len(FEATURE_NAMES)) and text_mask.tolist() == [True, False, True]  # blank lines have no row
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES) and len(set(CONTEXT_NAMES)) == len(CONTEXT_NAMES)


def test_a_missing_model_file_is_named(tmp_path):
    with pytest.raises(InputError, match=rf"{tmp_path / 'none.json'}: cannot read the line model"):
        load_model(tmp_path / "none.json")


def _member(document: dict, k: int = 0, **changes) -> dict:
    members = [dict(member) for member in document["members"]]
    members[k] = members[k] | changes
    return document | {"members": members}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: "{not json", "not a line model \\(invalid JSON"),
        (lambda d: [1, 2], "not a line model: expected \"format\""),
        (lambda d: d | {"format": "other/1"}, "not a line model: expected \"format\""),
        (lambda d: d | {"feature_names": d["feature_names"][:-1]}, "feature_names differ from this version's features"),
        (lambda d: d | {"threshold": 1.5}, "threshold must be a number between 0 and 1"),
        (lambda d: d | {"members": []}, "members must be a non-empty list of objects"),
        (lambda d: d | {"members": [1]}, "members must be a non-empty list of objects"),
        (lambda d: _member(d, stage1="cos\nsystem\n(S'echo hi'\ntR."), "members\\[0\\].stage1 is not a LightGBM text model"),
        (lambda d: _member(d, 2, stage2=d["members"][2]["stage2"][: len(d["members"][2]["stage2"]) // 3]), "members\\[2\\].stage2 does not match its recorded SHA-256"),
        (lambda d: _member(d, stage_sha256=None), "members\\[0\\].stage1 does not match its recorded SHA-256"),
        (lambda d: _member(d, 1, stage2="tree\nnonsense\n", stage_sha256=d["members"][1]["stage_sha256"] | {"stage2": _sha("tree\nnonsense\n")}),
         "members\\[1\\].stage2 is a corrupt LightGBM model: Model file doesn't specify the number of classes"),
        (lambda d: _member(d, stage2=d["members"][0]["stage1"], stage_sha256=d["members"][0]["stage_sha256"] | {"stage2": d["members"][0]["stage_sha256"]["stage1"]}),
         f"members\\[0\\].stage2 expects {len(FEATURE_NAMES)} features, this version computes {len(FEATURE_NAMES) + len(CONTEXT_NAMES)}"),
    ],
)
def test_a_corrupt_model_file_is_a_clear_error(tmp_path, change, message):
    path = _write(tmp_path, change(_document()))
    with pytest.raises(InputError, match=rf"{path}: {message}"):
        load_model(path)


def test_the_format_is_versioned():
    assert _document()["format"] == MODEL_FORMAT


def test_blank_lines_between_lines_change_no_decision():
    """The training pages have no blank lines: a page spaced with them must read as the same page."""
    page = ["Home", "News", "Minister says talks with neighbour were productive",
            "The foreign minister said on Monday that the talks had been productive and frank, and would go on.",
            "Officials from both countries will meet again next month in the capital, the ministry added on Tuesday.",
            "Share this article", "Most read", "Copyright 2024 Example News"]
    spaced = [line for text in page for line in (text, "")]
    dense = default_model().content_probabilities(page)
    assert default_model().content_probabilities(spaced).tolist() == [v for p in dense.tolist() for v in (p, 0.0)]


def test_a_booster_is_never_copied_or_pickled():
    import copy

    stage = parse_model(PACKAGED.read_bytes(), "packaged").members[0].stage1  # LightGBM's (default_model()'s may be compiled: test_compiled)
    for attempt in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError, match="TextBooster"):
            attempt(stage)


def test_a_stage_with_a_nul_character_is_refused(tmp_path):
    document = _document()
    text = document["members"][0]["stage1"].replace("\nTree=0\n", "\x00\nTree=0\n", 1)
    path = _write(tmp_path, _member(document, stage1=text, stage_sha256=document["members"][0]["stage_sha256"] | {"stage1": _sha(text)}))
    with pytest.raises(InputError, match=r"members\[0\].stage1 is a corrupt LightGBM model: the model text contains a NUL character"):
        load_model(path)


def test_a_model_of_the_first_format_is_one_member(tmp_path):
    """detente-line-model/1 files (0.8.0's model: one pair of stages at the top level) still load, as one member."""
    document = _document()
    first = {key: document[key] for key in ("feature_names", "context_names", "threshold", "training")} | document["members"][0] | {"format": "detente-line-model/1"}
    (tmp_path / "old").mkdir()
    one = load_model(_write(tmp_path, document | {"members": document["members"][:1]}))
    old = load_model(_write(tmp_path / "old", first))
    assert len(old.members) == len(one.members) == 1
    page = ["Home", "The foreign minister said on Monday that the talks had been productive and frank, and would go on.", "Share"]
    assert old.content_probabilities(page).tolist() == one.content_probabilities(page).tolist()


def test_the_members_are_averaged():
    model = default_model()
    page = ["Home", "News", "Minister says talks with neighbour were productive",
            "The foreign minister said on Monday that the talks had been productive and frank, and would go on.", "Share"]
    features, _ = page_features(page)
    each = [two_stage_probabilities(member.stage1, member.stage2, features, page) for member in model.members]
    assert len(each) == 3 and model.content_probabilities(page).tolist() == ((each[0] + each[1] + each[2]) / 3).tolist()


def test_an_echo_is_looked_for_within_the_window_only():
    from detente.lines.features import ECHO_WINDOW, FEATURE_NAMES

    headline = "Minister says talks with neighbour were productive"
    filler = [f"Line number {k} of the page" for k in range(ECHO_WINDOW + 5)]
    near = [headline, f"Share this: {headline}", *filler]
    far = [headline, *filler, f"Share this: {headline}"]
    column = FEATURE_NAMES.index("echoed")
    assert page_features(near)[0][0, column] == 1.0
    assert page_features(far)[0][0, column] == 0.0
    assert page_features([headline, headline])[0][:, column].tolist() == [0.0, 0.0]  # equal lines are repeats, not echoes


@pytest.mark.parametrize("line, clock, says", [
    ("November 19, 2019 at 6:34 am", 1.0, 0.0),
    ("Nov 18, 2019 @17:19 PM", 1.0, 0.0),
    ("joetoronto says:", 0.0, 1.0),
    ("Gary M on September 17, 2018 at 8:50 pm said:", 1.0, 1.0),
    ("China ready for more talks, Blinken says", 0.0, 1.0),  # a headline's attribution matches too: the neighbours tell them apart
    ("The talks, which began at 10:30, lasted five hours and ended with a joint statement that both sides said", 1.0, 0.0),  # too long
    ("Ratio 123:45 and 1:234", 0.0, 0.0),  # not a clock time
    ("He wrote", 0.0, 1.0),
])
def test_the_clock_time_and_speech_verb_features(line, clock, says):
    features = page_features([line])[0][0]
    assert (features[FEATURE_NAMES.index("has_clock_time")], features[FEATURE_NAMES.index("author_says")]) == (clock, says)


def test_the_lines_beyond_the_best_run_count_comment_marks_after_it_and_unlikely_lines_between():
    import math

    import numpy as np

    from detente.lines.features import context_features

    texts = ["Menu", "A long opening paragraph of the article that says what happened, and why, in full.",
             "The second paragraph of the article goes on at some length about what it means.", "Share this",
             "34 comments", "joetoronto says:", "November 19, 2019 at 6:34 am", "Great article, thanks for writing it up."]
    p = np.array([0.1, 0.9, 0.9, 0.2, 0.1, 0.3, 0.1, 0.8])
    features, _ = page_features(texts)
    context = context_features(features, p, texts)
    marks = context[:, len(FEATURE_NAMES) + CONTEXT_NAMES.index("comment_marks_after_run")]
    between = context[:, len(FEATURE_NAMES) + CONTEXT_NAMES.index("unlikely_lines_to_run")]
    # the best run by characters is lines 1-2; "34 comments" and "joetoronto says:" are the marked lines after it
    assert marks.tolist() == [math.log1p(k) for k in (0, 0, 0, 0, 1, 2, 2, 2)]
    # unlikely lines strictly between a line and the run: none for line 0 or the run, then 0, 1, 2, 3, 4
    assert between.tolist() == [math.log1p(k) for k in (0, 0, 0, 0, 1, 2, 3, 4)]


def test_the_shared_word_features_count_the_other_likely_lines_that_have_each_word():
    import math

    import numpy as np

    from detente.lines.features import context_features, page_words

    # content words: longer than three letters, not stop words, lower-cased, punctuation stripped, each once per line
    texts = ["Trade talks resume", "The trade talks resumed in Beijing.", "Subscribe now", "Beijing trade, trade!"]
    words = page_words(texts)
    assert words.distinct == 6  # trade, talks, resume, resumed, beijing, subscribe
    assert words.per_line.tolist() == [3, 4, 1, 2]
    p = np.array([0.9, 0.8, 0.2, 0.6])  # lines 0, 1 and 3 are likely content
    features, _ = page_features(texts)
    context = context_features(features, p, texts, words)
    share = context[:, len(FEATURE_NAMES) + CONTEXT_NAMES.index("shared_word_share")]
    depth = context[:, len(FEATURE_NAMES) + CONTEXT_NAMES.index("shared_word_depth")]
    # line 0: trade (in 2 other likely lines), talks (1), resume (0); line 1: trade 2, talks 1, resumed 0, beijing 1;
    # line 2 (unlikely, its own vote never counted): subscribe 0; line 3: beijing 1, trade 2
    assert share.tolist() == [2 / 3, 3 / 4, 0.0, 1.0]
    assert depth.tolist() == [(math.log1p(2) + math.log1p(1)) / 3, (math.log1p(2) + 2 * math.log1p(1)) / 4, 0.0,
                              (math.log1p(1) + math.log1p(2)) / 2]
    assert context.tolist() == context_features(features, p, texts).tolist()  # words computed here or passed in
