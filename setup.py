"""Build hook: compile the cleaner's hot modules with mypyc (the same typed source, built to C).

Everything else about the package is in pyproject.toml. DETENTE_PURE_PYTHON=1 builds without compiling
(and removes a previous build's extension modules from the source tree, which would otherwise shadow it).
"""

import json
import os
import runpy
from pathlib import Path

from setuptools import setup

native = runpy.run_path(str(Path("scripts/detente/native.py")))  # by path: the package's dependencies are not installed yet
package_dir = Path("scripts/detente")
record = package_dir / native["SOURCE_RECORD"]

ext_modules = []
if os.environ.get("DETENTE_PURE_PYTHON") == "1":
    for stale in [*native["extension_files"](package_dir.resolve()), *Path("scripts").glob("*__mypyc*"), record]:
        stale.unlink(missing_ok=True)
else:
    from mypyc.build import mypycify

    ext_modules = mypycify([str(package_dir / f"{name}.py") for name in native["COMPILED_MODULES"]], opt_level="3")
    record.write_text(json.dumps(native["source_digests"](package_dir.resolve()), indent=2, sort_keys=True) + "\n", encoding="utf-8")

setup(ext_modules=ext_modules)
