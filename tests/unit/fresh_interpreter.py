"""What a cold start loads: ``sys.modules`` of a fresh interpreter after running some code."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def modules_loaded_by(code: str) -> set[str]:
    """The names in ``sys.modules`` after a fresh interpreter, on this one's path, runs ``code``."""
    program = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(done.stdout))
