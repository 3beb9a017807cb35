"""Every benchmark in turn (--quick passed through), then one table of figures and ratios."""

from __future__ import annotations

import time
from collections.abc import Callable

from benchmarks import apply, bulk, cold_start, cost, fairness, hot_shop, ingest, sales, schedules, summary
from benchmarks.common import Figure, print_figures, quick_flag

BENCHMARKS: tuple[tuple[str, Callable[[bool], list[Figure]]], ...] = (
    ("cold_start", cold_start.run),
    ("ingest", ingest.run),
    ("apply", apply.run),
    ("cost", cost.run),
    ("summary", summary.run),
    ("sales", sales.run),
    ("bulk", bulk.run),
    ("hot_shop", hot_shop.run),
    ("fairness", fairness.run),
    ("schedules", schedules.run),
)


def table(figures: list[Figure]) -> list[str]:
    rows = [
        (
            f"{f.benchmark} / {f.name}",
            f"{f.value:,.4g} {f.unit}",
            f"{f.baseline:,.4g} {f.unit}",
            f"{f.ratio:.3g}",
            f.verdict(),
        )
        for f in figures
    ]
    header = ("figure", "value", "baseline", "ratio", "target")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def main() -> None:
    quick = quick_flag(__doc__ or "")
    started = time.perf_counter()
    figures: list[Figure] = []
    timings: list[str] = []
    for name, run in BENCHMARKS:
        print(f"== {name}{' (quick)' if quick else ''}", flush=True)
        began = time.perf_counter()
        produced = run(quick)
        print_figures(produced)
        figures += produced
        timings.append(f"{name} {time.perf_counter() - began:.0f} s")
    print("\n== summary" + (" (quick)" if quick else ""))
    print("\n".join(table(figures)))
    print(f"\ntook {time.perf_counter() - started:.0f} s ({', '.join(timings)})")


if __name__ == "__main__":
    main()
