"""What a cold start loads: ``sys.modules`` of a fresh interpreter after running some code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Python that records, in a list named ``compiled``, every source file the import system compiles in
# the interpreter that runs it: a module loaded from its bytecode adds nothing.
RECORD_COMPILES = """
import importlib.machinery
compiled = []
_source_to_code = importlib.machinery.SourceFileLoader.source_to_code
def _recording(loader, data, path, **options):
    compiled.append(str(path))
    return _source_to_code(loader, data, path, **options)
importlib.machinery.SourceFileLoader.source_to_code = _recording
"""


def modules_loaded_by(code: str) -> set[str]:
    """The names in ``sys.modules`` after a fresh interpreter, on this one's path, runs ``code``."""
    program = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(done.stdout))
