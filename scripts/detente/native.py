"""The cleaner's hot modules, compiled with mypyc at install time, and the guard that keeps them honest.

setup.py compiles COMPILED_MODULES (the same typed Python source, built to C: about 1.5x faster) unless
DETENTE_PURE_PYTHON=1, and records the SHA-256 of each source it compiled in native_sources.json. Python
imports an extension module in preference to the .py beside it, so after an edit the old build would
keep running: `check_native_modules` (run when `detente` is imported) refuses that.

Standard library only: setup.py loads this file by path before any dependency is installed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

COMPILED_MODULES = ("rules", "clean")  # detente/<name>.py
SOURCE_RECORD = "native_sources.json"
PACKAGE_DIR = Path(__file__).resolve().parent


def source_digests(package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    """SHA-256 of each compiled module's source, as setup.py records it."""
    return {f"{name}.py": hashlib.sha256((package_dir / f"{name}.py").read_bytes()).hexdigest() for name in COMPILED_MODULES}


def extension_files(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The extension modules built from COMPILED_MODULES that sit in the package folder."""
    return [package_dir / f"{name}{suffix}" for name in COMPILED_MODULES for suffix in EXTENSION_SUFFIXES if (package_dir / f"{name}{suffix}").exists()]


def check_native_modules(package_dir: Path = PACKAGE_DIR) -> None:
    """Raise ImportError when a compiled module was built from a source other than the one beside it."""
    built = extension_files(package_dir)
    if not built:
        return
    record_path = package_dir / SOURCE_RECORD
    recorded = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else {}
    current = source_digests(package_dir)
    stale = sorted({path.name.split(".")[0] + ".py" for path in built} - {name for name, digest in current.items() if recorded.get(name) == digest})
    if stale:
        raise ImportError(
            f"{package_dir}: the compiled {', '.join(stale)} was built from an older source. "
            "Rebuild it with `make env` (or `pip install -e .`), or delete "
            + ", ".join(path.name for path in built)
            + " to run the pure-Python cleaner."
        )


def is_compiled() -> bool:
    """Whether `detente.clean` in this process is the mypyc build."""
    import detente.clean

    return not (detente.clean.__file__ or "").endswith(".py")


def pure_python_copy(destination: Path, package_dir: Path = PACKAGE_DIR) -> Path:
    """Copy the package's Python source (no compiled modules) to destination/scripts/detente, with the schema
    folder linked beside it, and return destination/scripts: put it first on PYTHONPATH to run pure Python."""
    scripts = destination / "scripts"
    shutil.copytree(package_dir, scripts / "detente", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", SOURCE_RECORD))
    (destination / "schema").symlink_to(package_dir.parents[1] / "schema", target_is_directory=True)
    return scripts
