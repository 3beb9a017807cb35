"""`make bench-quick` as a smoke run: every benchmark script runs to the end and prints its figures.

Only that they execute: the figures are timings of a shared machine, so nothing here asserts on a
value, a ratio or a target. The run starts as soon as the session has collected its tests
(tests/bench/conftest.py) and goes on beside them; this test, moved to the end, reads what it
printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.cold_start import FUNCTIONS
from benchmarks.run_all import BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]
# What the test session points elsewhere; the benchmarks set up their own (benchmarks/common.py).
SESSION_ONLY = (
    "DYNAMODB_ENDPOINT",
    "TABLE_NAME",
    "TIKTOK_AUTHORIZE_URL",
    "TIKTOK_AUTHORIZE_URL_US",
    "SHOPIFY_APP_URL",
    "PUBLIC_API_URL",
)


class QuickRun:
    """`python -m benchmarks.run_all --quick` in a child process, its output kept in files (a pipe
    nobody reads while the suite runs would fill and stall it)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        # Open for the whole run, closed by stop() at the session's end.
        self._stdout = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115

    def start(self) -> None:
        if self._process is None:
            environment = {k: v for k, v in os.environ.items() if k not in SESSION_ONLY}
            command = [sys.executable, "-m", "benchmarks.run_all", "--quick"]
            # At a lower priority: it takes the CPU the suite leaves idle (tests waiting on their
            # sandboxes, DynamoDB Local) instead of slowing the suite's own work.
            nice = shutil.which("nice")
            self._process = subprocess.Popen(  # noqa: S603 - our own benchmarks, fixed argv
                [nice, "-n", "10", *command] if nice else command,
                cwd=ROOT,
                env=environment,
                stdout=self._stdout,
                stderr=self._stderr,
                text=True,
            )

    def result(self, timeout: float) -> subprocess.CompletedProcess[str]:
        self.start()
        assert self._process is not None
        returncode = self._process.wait(timeout=timeout)
        output = []
        for file in (self._stdout, self._stderr):
            file.seek(0)
            output.append(file.read())
        return subprocess.CompletedProcess(self._process.args, returncode, *output)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._stdout.close()
        self._stderr.close()


quick_run = QuickRun()


def test_every_benchmark_runs_quick_and_prints_its_figures() -> None:
    done = quick_run.result(timeout=900)

    assert done.returncode == 0, done.stderr[-4000:]
    summary = done.stdout.split("\n== summary (quick)\n", 1)[-1]
    rows = [line.split(" | ")[0].strip() for line in summary.splitlines() if " / " in line]
    for name, _ in BENCHMARKS:
        assert any(row.startswith(f"{name} / ") for row in rows), (name, summary)
    for function in FUNCTIONS:
        assert f"cold_start / import functions.{function}.handler" in rows, summary
        assert f"cold_start / {function}: first invocation after import" in rows, summary
        assert f"python -X importtime -c 'import functions.{function}.handler'" in done.stdout
