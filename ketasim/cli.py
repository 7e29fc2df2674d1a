"""The ``ketasim`` command line.

Every config or argument problem ends with one line on stderr naming the file
(or ``--set``), the key and what is allowed, exit status 2, and nothing
written.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ketasim import __version__
from ketasim.config import ConfigError, load_scenario

__all__ = ["main"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line and exits with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"ketasim: error: {message} (see 'ketasim {self.prog.split()[-1]} --help')\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ketasim", description="Simulate how ketamine's dose and timing change fear memory.")
    parser.add_argument("--version", action="version", version=f"ketasim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument("config", help="scenario YAML file")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config key (dotted; list items by index), e.g. dosing.0.dose='15 mg/kg'")
    run.add_argument("--out", type=Path, default=None, help="output directory (default: ketasim-out/<config name>)")
    run.add_argument("--quick", action="store_true", help="small, short circuit profile")
    run.add_argument("--no-figure", action="store_true", help="skip the figure")

    validate = commands.add_parser("validate", help="check a config; runs nothing")
    validate.add_argument("config", help="scenario YAML file")
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    return parser


def _progress(message: str) -> None:
    print(f"ketasim: {message} ...", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    config = load_scenario(args.config, args.overrides)
    out = args.out or Path("ketasim-out") / Path(args.config).stem
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "exists and is not a directory")
    from ketasim.outputs import write_outputs
    from ketasim.scenario import simulate

    started = time.perf_counter()
    result = simulate(config, quick=args.quick, progress=_progress)
    written = write_outputs(result, out, figure=not args.no_figure)
    elapsed = time.perf_counter() - started
    print(f"ketasim: wrote {len(written)} files to {out} in {elapsed:.1f} s", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    config = load_scenario(args.config, args.overrides)
    print(f"{args.config}: valid ({config.species}, {len(config.dosing)} dose entries, "
          f"{len(config.protocol)} protocol events, {config.span_h():g} h)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ketasim`` command; returns the exit status."""
    args = _build_parser().parse_args(argv)
    handlers = {"run": _run, "validate": _validate}
    try:
        return handlers[args.command](args)
    except ConfigError as exc:
        print(f"ketasim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
