"""The cold-start benchmarks import our code as deployed: every handler and the connector package
from the build's copy, compiling none of it (each module loads its bytecode); and, asked for the
source, from the repository."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.cold_start import FUNCTIONS, _environment, deployed_code
from benchmarks.common import ROOT
from tests.unit.fresh_interpreter import RECORD_COMPILES

# Imports the modules named in a fresh interpreter, recording every source compile the import
# system makes, and prints where each module came from and what was compiled.
PROBE = (
    RECORD_COMPILES
    + """
import importlib, json
origins = {{name: importlib.import_module(name).__spec__.origin for name in {names!r}}}
print(json.dumps({{"origins": origins, "compiled": compiled}}))
"""
)
HANDLERS = [f"functions.{name}.handler" for name in FUNCTIONS]


def _import(names: list[str], as_deployed: bool) -> dict[str, dict[str, str] | list[str]]:
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", PROBE.format(names=names)],
        env=_environment(as_deployed),
        cwd=ROOT,  # where the benchmarks run their probes: a directory with its own functions/
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_handlers_and_the_connector_load_from_the_deployed_copy_without_compiling() -> None:
    code = deployed_code()
    found = _import(HANDLERS, as_deployed=True)
    origins = found["origins"]
    assert isinstance(origins, dict)
    for name, origin in origins.items():
        assert Path(origin).is_relative_to(code.functions), (name, origin)
    deployed = [folder for folder, _ in code.deployed_folders()]
    ours = [path for path in found["compiled"] if any(Path(path).is_relative_to(d) for d in deployed)]
    assert ours == []  # functions/__init__.py, a local package marker that is not deployed, may compile


def test_from_source_they_come_from_the_repository_and_compile() -> None:
    found = _import(["functions.dashboard.handler"], as_deployed=False)
    origins = found["origins"]
    assert isinstance(origins, dict)
    assert Path(origins["functions.dashboard.handler"]).is_relative_to(ROOT / "functions")
    assert (
        str(ROOT / "layers" / "connector" / "python" / "connector" / "dal" / "store.py") in found["compiled"]
    )
