"""Run every benchmark module (or those named: ``python -m bench notifications``) and print a table."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import sys

import bench
from bench import Measurement


def modules(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    unknown = set(selected) - set(names)
    if unknown:
        raise SystemExit(f"no benchmark module named {', '.join(sorted(unknown))} (have: {', '.join(names)})")
    return [name for name in names if not selected or name in selected]


def run_module(name: str) -> list[Measurement]:
    module = importlib.import_module(f"bench.{name}")
    result = module.run()
    return asyncio.run(result) if inspect.isawaitable(result) else result


def table(measurements: list[Measurement]) -> str:
    rows = [("group", "case", "value", "unit", "ratio vs baseline")]
    groups: dict[str, list[Measurement]] = {}
    for m in measurements:
        groups.setdefault(m.group, []).append(m)
    for group, items in groups.items():
        baseline = next((m for m in items if m.baseline), None)
        for m in items:
            if m.baseline:
                ratio = "1.00 (baseline)"
            elif baseline and baseline.value:
                ratio = f"{m.value / baseline.value:.2f}x"
            else:
                ratio = "-"
            rows.append((group, m.case, f"{m.value:,.1f}", m.unit, ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    measurements: list[Measurement] = []
    for name in modules(argv):
        print(f"running bench.{name} …", file=sys.stderr, flush=True)
        measurements += run_module(name)
    print(table(measurements))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
