"""Cold start in instructions: each handler's import against the libraries it must load (the same
statements as benchmarks/cold_start.py), counted by valgrind's callgrind in a fresh interpreter. Our
code is imported as deployed (with its bytecode: cold_start.py's `deployed_code`) and, beside it, as
source compiled on every import (what the functions loaded before infra/build.py shipped bytecode).

The wall clock of this kind of machine moves by 10-15 % between two runs of the same import, more
than the 20 % margin the target leaves; instructions do not move. They are not time (a compile and
a bytecode load cost differently per instruction), so this is the deterministic companion of
cold_start.py, not its replacement. About three minutes; not part of run_all.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from benchmarks.cold_start import BASELINE, FUNCTIONS, REQUIRED_LIBRARIES, TARGET, _environment
from benchmarks.common import ROOT, Figure, run_as_script

COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(valgrind: str, statement: str, as_deployed: bool = True) -> int:
    """Instructions a fresh interpreter executes running ``statement`` (start-up included)."""
    done = subprocess.run(  # noqa: S603 - valgrind on this interpreter, fixed statements
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", statement],
        env=_environment(as_deployed),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    found = COLLECTED.search(done.stderr)
    assert found, done.stderr[-2000:]
    return int(found[1])


def run(quick: bool) -> list[Figure]:
    del quick  # each count is exact: one run is the figure
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("cold_start_instructions: valgrind is not installed (Debian's valgrind); skipped")
        return []
    start_up = instructions(valgrind, "pass")  # the interpreter's own start, the same under every statement
    figures = []
    for name in FUNCTIONS:
        floor_statement = REQUIRED_LIBRARIES[name]
        floor = instructions(valgrind, floor_statement) - start_up
        handler = instructions(valgrind, f"import functions.{name}.handler") - start_up
        from_source = instructions(valgrind, f"import functions.{name}.handler", as_deployed=False) - start_up
        figures.append(
            Figure(
                "cold_start_instructions",
                f"import functions.{name}.handler",
                handler / 1e6,
                "M instructions",
                "the libraries it must load" if floor_statement != f"import {BASELINE}" else BASELINE,
                floor / 1e6,
                TARGET,
                {"from source (no bytecode)": f"{from_source / floor:.2f}x ({from_source / 1e6:.0f} M)"},
            )
        )
    return figures


if __name__ == "__main__":
    run_as_script(run, __doc__)
