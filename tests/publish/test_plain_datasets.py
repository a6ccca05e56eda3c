"""A user with nothing but `datasets`: no project package. The current release loads through the card's configs and
through its Parquet files directly, and an earlier release through its own config, each with ClassLabel features."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig

from conftest import REPO
from detente.version import DATASET_VERSION

PROBE = r"""
import json, sys
from datasets import ClassLabel, load_dataset
repo, version = sys.argv[1], sys.argv[2]
try:
    import detente  # noqa: F401
    sys.exit("the project package is importable: this is not a plain environment")
except ImportError:
    pass
out = {}
def labels(features):
    return sorted(k for k, v in features.items() if isinstance(v, ClassLabel))
docs = load_dataset(repo, "documents", split="test")
out["config"] = {"rows": len(docs), "plover": docs.features["events"].feature["plover"].names[:2],
                 "line_category": docs.features["line_labels"].feature["category"].names[:2],
                 "first_plover": docs[0]["events"][0]["plover"]}
direct = load_dataset("parquet", data_files=f"{repo}/annotated/{version}/lines/test.parquet", split="train")
out["parquet"] = {"rows": len(direct), "class_labels": labels(direct.features)}
ner = load_dataset("parquet", data_files=f"{repo}/annotated/{version}/ner/test.parquet", split="train")
out["ner_tags"] = ner.features["ner_tags"].feature.names[:3]
old = load_dataset(repo, "lines-0.4.0", split="test")
out["old"] = {"rows": len(old), "class_labels": labels(old.features)}
print(json.dumps(out))
"""


def test_a_datasets_only_environment_gets_class_labels_from_configs_and_parquet(tmp_path):
    venv = tmp_path / "plain"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    # the test environment's packages as a plain path: its .pth files (the editable install of detente) are not run
    (tmp_path / "plain" / site.split(str(venv) + "/", 1)[1]).joinpath("deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_DATASETS_CACHE=str(tmp_path / "cache"))
    result = subprocess.run([python, "-c", PROBE, str(REPO), DATASET_VERSION], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().split("\n")[-1])
    assert out["config"]["rows"] == 1 and out["config"]["plover"] == ["AGREE", "CONSULT"]
    assert out["config"]["line_category"] == ["title", "standfirst"]
    assert isinstance(out["config"]["first_plover"], int)  # a ClassLabel index
    assert out["parquet"]["class_labels"] == ["category", "class", "label_source"]
    assert out["ner_tags"] == ["O", "B-PER", "I-PER"]
    assert out["old"]["rows"] == out["parquet"]["rows"] and out["old"]["class_labels"] == ["category", "class", "label_source"]


def test_the_readme_first_loading_example_runs_as_written(monkeypatch):
    """README, "Load it": the first snippet, with this repository's folder for "path/to/detente"."""
    import contextlib
    import io
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = next(block for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if 'load_dataset("path/to/detente", "documents")' in block)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet.replace("path/to/detente", str(REPO)), "README.md", "exec"), {})  # noqa: S102 - the README's own example
    first = next(json.loads(line) for line in (REPO / "annotated" / DATASET_VERSION / "documents" / "train.jsonl").read_text(encoding="utf-8").splitlines())
    category_names = json.loads((REPO / "schema" / "labels.schema.json").read_text(encoding="utf-8"))["$defs"]["line_category"]["enum"][:4]
    assert printed.getvalue().splitlines() == [
        f"{first['id']} {len(first['entities'])} entity mentions, {len(first['events'])} events",
        str(category_names),
    ]
