"""Size convergence of the BLA fear circuit: E06, E08 and E12's effects at several network sizes.

Runs ``ketasim reproduce --only E06 E08 E12`` (full profile: its seeds and
doses) once per size, with ``KETASIM_BLA_CELLS`` setting the full profile's
principal cells, and collects every compare-check's paired effect and 95 %
interval from each ``report.json``. Writes ``bla_size_convergence.json``,
a markdown table (``bla_size_convergence.md``) and a figure
(``bla_size_convergence.png``) into ``--out``; ``docs/bla-size.md`` shows them.

    PYTHONPATH=. python docs/examples/bla_size_convergence.py --sizes 120 240 480 --out docs/examples
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

EXPERIMENTS = ("E06", "E08", "E12")
_EFFECT = re.compile(r"Δ = (?P<d>-?[\d.e-]+) \[(?P<lo>-?[\d.e-]+), (?P<hi>-?[\d.e-]+)\], n = (?P<n>\d+)")


def run_size(cells: int, out: Path, workers: int, reuse: bool = False) -> dict:
    """Reproduce the three experiments at this size (or, with ``reuse``, read an earlier run); their checks."""
    directory = out / f"size-{cells}"
    timing = directory / "wall_s.txt"
    if not (reuse and timing.exists()):
        env = {**os.environ, "KETASIM_BLA_CELLS": str(cells)}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ketasim.cli", "reproduce", "--only", *EXPERIMENTS, "--out",
                        str(directory), "--workers", str(workers)], env=env, check=True, stdout=subprocess.DEVNULL)
        timing.write_text(f"{time.perf_counter() - start:.1f}\n")
    wall = float(timing.read_text())
    rows = json.loads((directory / "report.json").read_text())["rows"]
    effects = []
    for experiment in EXPERIMENTS:
        for check in rows[experiment]["checks"]:
            found = _EFFECT.search(check["measured"])
            if found:  # a paired comparison: effect and interval
                numbers = {k: float(v) for k, v in found.groupdict().items()}
            else:  # a single measured number (a seed mean): no interval
                value = float(check["measured"].split()[0])
                numbers = {"d": value, "lo": value, "hi": value, "n": 0.0}
            effects.append({"experiment": experiment, "claim": check["claim"], "passed": check["passed"], **numbers})
    return {"cells": cells, "wall_s": round(wall, 1), "effects": effects}


def table(results: list[dict]) -> str:
    """Markdown: one row per check, one column per size (effect [95 % CI], ✓/✗)."""
    sizes = [r["cells"] for r in results]
    lines = ["| experiment | check | " + " | ".join(f"{c} cells" for c in sizes) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in sizes) + " |"]
    keys = [(e["experiment"], e["claim"]) for e in results[0]["effects"]]
    for key in keys:
        cells = []
        for r in results:
            match = [e for e in r["effects"] if (e["experiment"], e["claim"]) == key]
            if not match:
                cells.append("")
                continue
            e = match[0]
            interval = f" [{e['lo']:+.3f}, {e['hi']:+.3f}]" if e["n"] else ""
            cells.append(f"{e['d']:+.3f}{interval} {'✓' if e['passed'] else '✗'}")
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")
    lines.append("| | wall time (2 workers) | " + " | ".join(f"{r['wall_s']:.0f} s" for r in results) + " |")
    return "\n".join(lines) + "\n"


def figure(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [(e["experiment"], e["claim"]) for e in results[0]["effects"]]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.0 * len(keys), 3.2), constrained_layout=True, squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        xs, ds, errs = [], [], [[], []]
        for r in results:
            for e in r["effects"]:
                if (e["experiment"], e["claim"]) == key:
                    xs.append(r["cells"])
                    ds.append(e["d"])
                    errs[0].append(e["d"] - e["lo"])
                    errs[1].append(e["hi"] - e["d"])
        ax.errorbar(xs, ds, yerr=errs, marker="o", capsize=3)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.set_xlabel("principal cells")
        ax.set_title(f"{key[0]}: {key[1]}", fontsize=7, wrap=True)
    axes[0][0].set_ylabel("paired effect (95 % CI)")
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[120, 240, 480])
    parser.add_argument("--out", type=Path, default=Path("bla-size-convergence"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="read sizes already run into --out instead of rerunning")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for cells in args.sizes:
        results.append(run_size(cells, args.out, args.workers, args.reuse))
        print(f"{cells} cells: {results[-1]['wall_s']} s", flush=True)
    (args.out / "bla_size_convergence.json").write_text(json.dumps(results, indent=1))
    (args.out / "bla_size_convergence.md").write_text(table(results))
    figure(results, args.out / "bla_size_convergence.png")
    print(table(results))


if __name__ == "__main__":
    main()
