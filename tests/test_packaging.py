"""The package stands on its own: `import detente` pulls in no dependency, and a wheel built from the repository,
installed into an environment outside it, cleans a page and validates a release there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import REPO
from detente.version import DATASET_VERSION


def test_import_detente_imports_only_itself():
    code = "import sys, json; before = set(sys.modules); import detente; print(json.dumps(sorted(set(sys.modules) - before)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert json.loads(out.stdout) == ["detente", "detente.version"]


def test_the_packaged_schema_folder_is_the_top_level_one():
    link = REPO / "scripts" / "detente" / "schema"
    assert link.is_symlink() and os.readlink(link) == "../../schema"  # one copy: the package ships schema/ itself
    assert sorted(p.name for p in link.iterdir()) == sorted(p.name for p in (REPO / "schema").iterdir())


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv outside the repository with the wheel installed; dependencies come from the test environment
    (added as a plain path, so its editable install of detente is not seen)."""
    root = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(root / "dist"), str(REPO)],
                           capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stderr[-3000:]}")
    wheel = next((root / "dist").glob("detente-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    venv_python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([venv_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return root


def _outside_env() -> dict[str, str]:
    """This environment without PYTHONPATH or VIRTUAL_ENV: the installed venv must not see the repository's scripts/."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = _outside_env()
    code = "import sys; from detente.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([str(root / "venv" / "bin" / "python"), "-c", code, *args], capture_output=True, text=True, cwd=root, env=env)


def test_the_installed_package_is_the_wheel(installed):
    out = _run(installed, "--help")
    assert out.returncode == 0
    where = subprocess.run([str(installed / "venv" / "bin" / "python"), "-c", "import detente.schemas as s; print(s.__file__)"],
                           capture_output=True, text=True, cwd=installed, check=True, env=_outside_env()).stdout
    assert where.startswith(str(installed)) and str(REPO) not in where


def test_installed_wheel_cleans_a_page(installed):
    page = installed / "page.txt"
    shutil.copyfile(REPO / "raw" / "dtn-32a52c8a8bac.txt", page)
    out = _run(installed, "clean", str(page))
    assert out.returncode == 0, out.stderr
    assert "Blinken" in out.stdout or "China" in out.stdout


def test_installed_wheel_validates_a_copied_release(installed):
    release = installed / "copy" / "annotated" / DATASET_VERSION
    shutil.copytree(REPO / "annotated" / DATASET_VERSION, release)
    shutil.copytree(REPO / "raw", installed / "copy" / "raw")
    out = _run(installed, "validate", str(release), "--raw", str(installed / "copy" / "raw"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"{release}: valid (")
