"""Training the line model: deterministic, recorded, and the packaged model is the documented one."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from detente.cli import main
from detente.lines.model import DEFAULT_MODEL, parse_model
from detente.lines.pages import read_labelled_pages
from detente.lines.train import TrainingSettings, data_digest, train_model
from line_pages import write_pages

REPO = Path(__file__).resolve().parents[2]
SHARED_TRAIN = REPO.parent / "shared" / "boilerplate" / "train"
SHARED_DEV = REPO.parent / "shared" / "boilerplate" / "dev"
PACKAGED = REPO / "scripts" / "detente" / "lines" / DEFAULT_MODEL
SMALL = TrainingSettings(rounds=15, folds=2)


def test_training_twice_gives_the_same_bytes_and_a_loadable_model(tmp_path):
    pages = read_labelled_pages(write_pages(tmp_path / "pages", 24))
    first = train_model(pages, SMALL, [{"name": "pages", "sha256": data_digest(pages)}])
    second = train_model(pages, SMALL, [{"name": "pages", "sha256": data_digest(pages)}])
    assert first == second
    model = parse_model(first, "small")
    assert model.training["rounds"] == 15 and model.training["data"] == [{"name": "pages", "sha256": data_digest(pages)}]
    # it learned the pages: body sentences are content, menu words are not
    page = pages[0]
    decided = model.is_content([line.strip() for line in page.lines])
    assert sum(d == bool(c) for d, c in zip(decided, page.content)) >= len(page.lines) - 1


def test_the_threshold_is_chosen_on_tuning_pages_when_given(tmp_path):
    pages = read_labelled_pages(write_pages(tmp_path / "pages", 24))
    tuning = read_labelled_pages(write_pages(tmp_path / "tuning", 6, seed=5))
    document = json.loads(train_model(pages, SMALL, [], tuning, {"name": "tuning", "sha256": data_digest(tuning)}))
    selection = document["training"]["threshold_selection"]
    assert selection["on"] == "tuning data" and selection["data"] == {"name": "tuning", "sha256": data_digest(tuning)}
    assert selection["lines"] == sum(len(p.lines) for p in tuning) and 0.3 <= document["threshold"] <= 0.8
    untuned = json.loads(train_model(pages, SMALL, []))
    assert untuned["training"]["threshold_selection"]["on"] == "held-out sites of the training data, all pages"
    assert untuned["members"] == document["members"]  # tuning sets only the threshold


def test_each_member_trains_with_its_own_seed(tmp_path):
    """Member k trains with seed + k on its own subsample of rows and features: the members differ, and a run
    with the next seed starts with this run's second member."""
    pages = read_labelled_pages(write_pages(tmp_path / "pages", 24))
    first = json.loads(train_model(pages, SMALL, []))
    assert (first["training"]["seed"], first["training"]["members"], len(first["members"])) == (1, 3, 3)
    assert len({member["stage1"] for member in first["members"]}) == 3
    shifted = json.loads(train_model(pages, TrainingSettings(rounds=15, folds=2, seed=2, members=2), []))
    assert shifted["members"] == first["members"][1:]


def test_without_tuning_pages_the_threshold_is_chosen_on_the_members_averaged_held_out_probabilities(tmp_path, monkeypatch):
    from detente.lines import train
    from detente.lines.features import FEATURE_NAMES

    pages = read_labelled_pages(write_pages(tmp_path / "pages", 24))
    stage2_held_out, chosen_on = [], []
    real_cross_fit, real_best = train._cross_fit, train.best_threshold

    def recording_cross_fit(params, x, rows, folds, rounds, names):
        out = real_cross_fit(params, x, rows, folds, rounds, names)
        if names != FEATURE_NAMES:
            stage2_held_out.append(out)
        return out

    def recording_best(y, p):
        chosen_on.append(p)
        return real_best(y, p)

    monkeypatch.setattr(train, "_cross_fit", recording_cross_fit)
    monkeypatch.setattr(train, "best_threshold", recording_best)
    document = json.loads(train_model(pages, TrainingSettings(rounds=15, folds=2, members=2), []))
    assert len(stage2_held_out) == 2 and stage2_held_out[0].tolist() != stage2_held_out[1].tolist()
    assert len(chosen_on) == 1 and chosen_on[0].tolist() == ((stage2_held_out[0] + stage2_held_out[1]) / 2).tolist()
    assert document["threshold"] == real_best(np.concatenate([np.array(p.content, dtype=np.float64) for p in pages]), chosen_on[0])[0]


def test_one_member_is_a_model_of_its_own(tmp_path):
    pages = read_labelled_pages(write_pages(tmp_path / "pages", 24))
    single = parse_model(train_model(pages, TrainingSettings(rounds=15, folds=2, members=1), []), "single")
    assert len(single.members) == 1 and single.training["members"] == 1


def test_train_cleaner_command_writes_the_model_and_records_its_data(tmp_path, capsys):
    data = write_pages(tmp_path / "pages", 40)
    out = tmp_path / "model.json"
    assert main(["train-cleaner", "--data", str(data), "--out", str(out), "--rounds", "5"]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["training"]["data"] == [{"name": "pages", "pages": 40, "lines": sum(1 for p in (data / "raw").glob("*.txt") for _ in p.open()),
                                              "sha256": data_digest(read_labelled_pages(data))}]
    printed = capsys.readouterr().out
    assert f"sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in printed
    f1 = document["training"]["threshold_selection"]["f1"]
    assert f"threshold {document['threshold']} (line F1 {f1} on held-out sites of the training data, all pages)" in printed


def test_train_cleaner_on_a_folder_without_pages_is_a_clear_error(tmp_path, capsys):
    assert main(["train-cleaner", "--data", str(tmp_path), "--out", str(tmp_path / "m.json")]) == 1
    assert f"{tmp_path}: expected raw/ and gold/ folders" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--out", "{tmp}"], "{tmp}: exists and is not a regular file"),
        (["--out", "{tmp}/m.json", "--rounds", "0"], "--rounds: must be at least 1, got 0"),
        (["--out", "{tmp}/m.json", "--members", "0"], "--members: must be at least 1, got 0"),
        (["--out", "{tmp}/m.json", "--rounds", "3"], "--data: fold . of 5 holds no page: cross-fitting needs pages from at least 5 sites"),
    ],
)
def test_train_cleaner_refuses_before_training(tmp_path, capsys, arguments, message):
    data = write_pages(tmp_path / "pages", 2)  # one site: most folds are empty
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    assert main(["train-cleaner", "--data", str(data), *arguments]) == 1
    assert re.search(re.escape("detente train-cleaner: error: ") + message.replace("{tmp}", str(tmp_path)), capsys.readouterr().err)
    assert not (tmp_path / "m.json").exists()


def test_a_manifest_site_that_is_not_text_is_named(tmp_path, capsys):
    data = write_pages(tmp_path / "pages", 2)
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    manifest["pages"][0]["site"] = 5
    (data / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["train-cleaner", "--data", str(data), "--out", str(tmp_path / "m.json")]) == 1
    assert f"{data / 'manifest.json'}: page 'p000': site must be a string, got 5" in capsys.readouterr().err


def test_the_packaged_model_records_the_default_settings():
    model = parse_model(PACKAGED.read_bytes(), str(PACKAGED))
    defaults = TrainingSettings()
    assert {k: model.training[k] for k in ("seed", "members", "rounds", "folds", "params")} == {
        "seed": defaults.seed, "members": defaults.members, "rounds": defaults.rounds, "folds": defaults.folds, "params": defaults.params}
    assert len(model.members) == defaults.members
    assert [source["name"] for source in model.training["data"]] == ["train"]
    assert model.training["threshold_selection"]["on"] == "tuning data" and model.training["threshold_selection"]["data"]["name"] == "dev"


@pytest.mark.skipif(not SHARED_TRAIN.is_dir(), reason=f"{SHARED_TRAIN} is absent (only CI and maintainers have ../shared/): "
                    "cannot check that the packaged model was trained on it")
def test_the_packaged_model_was_trained_on_the_documented_data():
    """The data hashes recorded in the model are those of ../shared/boilerplate/train and dev as they are now;
    with the settings (previous test) and the determinism test this pins what `detente train-cleaner` produces."""
    model = parse_model(PACKAGED.read_bytes(), str(PACKAGED))
    train, dev = read_labelled_pages(SHARED_TRAIN), read_labelled_pages(SHARED_DEV)
    assert model.training["data"] == [{"name": "train", "pages": len(train), "lines": sum(len(p.lines) for p in train), "sha256": data_digest(train)}]
    assert model.training["threshold_selection"]["data"] == {"name": "dev", "pages": len(dev), "lines": sum(len(p.lines) for p in dev), "sha256": data_digest(dev)}


@pytest.mark.skipif(os.environ.get("DETENTE_RETRAIN") != "1" or not SHARED_TRAIN.is_dir(),
                    reason="retraining the packaged model takes about 6 minutes: set DETENTE_RETRAIN=1 (needs ../shared/boilerplate/train)")
def test_retraining_reproduces_the_packaged_model_byte_for_byte(tmp_path):
    out = tmp_path / "model.json"
    assert main(["train-cleaner", "--data", str(SHARED_TRAIN), "--tune", str(SHARED_DEV), "--out", str(out)]) == 0
    assert out.read_bytes() == PACKAGED.read_bytes()
