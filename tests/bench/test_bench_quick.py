"""`make bench-quick` as a smoke run: every benchmark script runs to the end and prints its figures.

Only that they execute: the figures are timings of a shared machine, so nothing here asserts on a
value, a ratio or a target.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_every_benchmark_runs_quick_and_prints_its_figures() -> None:
    environment = {k: v for k, v in os.environ.items() if k not in SESSION_ONLY}

    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run_all", "--quick"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-4000:]
    summary = done.stdout.split("\n== summary (quick)\n", 1)[-1]
    rows = [line.split(" | ")[0].strip() for line in summary.splitlines() if " / " in line]
    for name, _ in BENCHMARKS:
        assert any(row.startswith(f"{name} / ") for row in rows), (name, summary)
    for function in FUNCTIONS:
        assert f"cold_start / import functions.{function}.handler" in rows, summary
        assert f"cold_start / {function}: first invocation after import" in rows, summary
        assert f"python -X importtime -c 'import functions.{function}.handler'" in done.stdout
