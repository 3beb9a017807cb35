"""Cold start: importing each function's handler module in a fresh interpreter against importing
`botocore.session` in a fresh interpreter (the floor any boto-based Lambda pays)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict

from benchmarks.common import (
    OFFLINE_ENVIRONMENT,
    ROOT,
    Figure,
    interleaved,
    median,
    print_figures,
    quick_flag,
)

MODULES = (
    "functions.dashboard.handler",
    "functions.shopify_webhook.handler",
    "functions.tiktok_webhook.handler",
    "functions.processor.handler",
    "functions.jobs.handler",
    "functions.scheduler.handler",
)
BASELINE = "botocore.session"
TARGET = ("<=", 1.2)
# The import alone, timed inside the child: interpreter start-up is the same for every module.
PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _environment() -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "layers" / "connector" / "python"), str(ROOT)])
    return {**os.environ, **OFFLINE_ENVIRONMENT, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}


def import_seconds(module: str) -> float:
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed statement
        [sys.executable, "-c", PROBE.format(module=module)],
        env=_environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return float(done.stdout.strip())


def importtime_offenders(module: str, top: int = 10) -> list[str]:
    """`python -X importtime`: the heaviest top-level packages (summed self time) and modules."""
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed statement
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=_environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    by_package: dict[str, int] = defaultdict(int)
    by_module: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        match = IMPORTTIME_LINE.match(line)
        if match:
            self_us, cumulative_us, name = int(match[1]), int(match[2]), match[4]
            by_package[name.split(".")[0]] += self_us
            by_module.append((self_us, cumulative_us, name))
    packages = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    modules = sorted(by_module, reverse=True)[:top]
    lines = [f"top {top} packages by summed self time (python -X importtime -c 'import {module}'):"]
    lines += [f"  {us / 1000:8.1f} ms  {name}" for name, us in packages]
    lines += [f"top {top} modules by self time (cumulative beside):"]
    lines += [f"  {s / 1000:8.1f} ms  (cum {c / 1000:7.1f} ms)  {name}" for s, c, name in modules]
    return lines


def run(quick: bool) -> list[Figure]:
    rounds = 5 if quick else 15
    measures = {name: (lambda name=name: import_seconds(name)) for name in (BASELINE, *MODULES)}
    samples = interleaved(measures, rounds)
    baseline = median(samples[BASELINE]) * 1000
    figures = [
        Figure(
            "cold_start",
            f"import {module}",
            median(samples[module]) * 1000,
            "ms",
            f"import {BASELINE}",
            baseline,
            TARGET,
            {"median of": f"{rounds} fresh interpreters each, interleaved"},
        )
        for module in MODULES
    ]
    for line in importtime_offenders(MODULES[0]):
        print(line)
    return figures


def main() -> None:
    print_figures(run(quick_flag(__doc__ or "")))


if __name__ == "__main__":
    main()
