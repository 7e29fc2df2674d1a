"""Wall time of ``ketasim reproduce --quick`` and of the full reproduction (issue 19 acceptance: ≤ 3 and ≤ 15 min).

Usage::

    PYTHONPATH=. python benchmarks/reproduce_time.py [--quick-only] [--ketasim PATH] [--out DIR]

Runs whatever ``ketasim reproduce`` command the installed ketasim has, once
per profile, each into a fresh output directory, and prints a table and, as
the last line, a JSON object (``quick_s``, ``full_s``, ``quick_ok``,
``full_ok``). Caches should be warm (run once before timing, as the
acceptance criteria say); ``--warm`` runs each profile once untimed first.
If this ketasim has no ``reproduce`` command, it says so and exits with
status 3: nothing is timed and nothing is made up.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMITS_S = {"quick": 3 * 60, "full": 15 * 60}  # issue 19 (issue 8 had 5 and 30 min)


def _ketasim_command(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    found = shutil.which("ketasim")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from ketasim.cli import main; sys.exit(main())"]


def has_reproduce(command: list[str]) -> bool:
    """Whether this ketasim's command line knows ``reproduce`` (asks its --help; runs nothing)."""
    result = subprocess.run([*command, "reproduce", "--help"], capture_output=True, text=True)
    return result.returncode == 0 and "reproduce" in result.stdout


def time_reproduce(command: list[str], quick: bool, out: Path) -> tuple[float, int]:
    args = [*command, "reproduce", "--out", str(out)] + (["--quick"] if quick else [])
    print("$ " + " ".join(args), flush=True)
    start = time.perf_counter()
    status = subprocess.run(args).returncode
    return time.perf_counter() - start, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick-only", action="store_true", help="time only the quick reproduction")
    parser.add_argument("--warm", action="store_true", help="run each profile once untimed first")
    parser.add_argument("--ketasim", default=None, help="the ketasim executable (default: from PATH)")
    parser.add_argument("--out", default=None, help="keep outputs here (default: a temporary directory)")
    args = parser.parse_args(argv)
    command = _ketasim_command(args.ketasim)
    if not has_reproduce(command):
        print(f"'{' '.join(command)} reproduce' does not exist in this ketasim (issue 6 adds it); nothing timed.",
              file=sys.stderr)
        return 3
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="ketasim-reproduce-"))
    profiles = ["quick"] if args.quick_only else ["quick", "full"]
    result: dict[str, float | bool | None] = {}
    for profile in profiles:
        if args.warm:
            time_reproduce(command, profile == "quick", root / f"{profile}-warm")
        seconds, status = time_reproduce(command, profile == "quick", root / profile)
        result[f"{profile}_s"] = round(seconds, 1)
        result[f"{profile}_ok"] = status == 0 and seconds < LIMITS_S[profile]
        result[f"{profile}_status"] = status
    print(f"\n{'profile':8s} {'time (min)':>10s} {'limit (min)':>11s} {'exit':>5s}")
    for profile in profiles:
        print(f"{profile:8s} {result[f'{profile}_s'] / 60:10.1f} {LIMITS_S[profile] / 60:11.0f} "
              f"{result[f'{profile}_status']:5d}")
    print(f"outputs in {root}")
    print(json.dumps(result), flush=True)
    return 0 if all(result[f"{p}_ok"] for p in profiles) else 1


if __name__ == "__main__":
    raise SystemExit(main())
