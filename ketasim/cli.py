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

from ketasim.analysis.window import MIN_RESAMPLES
from ketasim.bundled import config_path
from ketasim.config import ConfigError, load_scenario
from ketasim.settings import default_output_dir
from ketasim.version import __version__

__all__ = ["main"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line and exits with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"ketasim: error: {message} (see '{self.prog} --help')\n")  # "ketasim [command]"


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ketasim", description="Simulate how ketamine's dose and timing change fear memory.")
    parser.add_argument("--version", action="version", version=f"ketasim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument("config", help="scenario YAML file, or the name of an example (see 'ketasim example')")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config key (dotted; list items by index), e.g. dosing.0.dose='15 mg/kg'")
    run.add_argument("--out", type=Path, default=None,
                     help="output directory (default: ketasim-out/<config or example name>)")
    run.add_argument("--quick", action="store_true", help="small, short circuit profile")
    run.add_argument("--no-figure", action="store_true", help="skip the figure")

    sweep = commands.add_parser("sweep", help="run a grid or sample of scenarios into a resumable store")
    sweep.add_argument("config", help="sweep YAML file (base scenario + grid/points/sample), or a sweep example's name")
    sweep.add_argument("--out", type=Path, default=None,
                       help="sweep directory (default: ketasim-out/sweeps/<config name>, with --quick "
                            "<config name>-quick); rerun to resume")
    sweep.add_argument("--workers", type=_int_at_least(1), default=None, metavar="N",
                       help="local worker processes (default: the core count; 1 = run in this process)")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on a Dask distributed cluster, e.g. tcp://10.0.0.1:8786")
    sweep.add_argument("--scheduler-timeout", type=_int_at_least(1), default=30, metavar="SECONDS",
                       help="how long to wait for the Dask scheduler (default 30)")
    sweep.add_argument("--quick", action="store_true", help="small, short circuit profile for every point")
    sweep.add_argument("--retry-failed", action="store_true", help="rerun the points recorded as failed")
    sweep.add_argument("--allow-code-change", action="store_true",
                       help="continue a store made by other ketasim source code; each point keeps the code "
                            "fingerprint it was computed with (code_version in results.csv and results.nc)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    # Developer/test hook: the command line (not the data) names an importable model function.
    sweep.add_argument("--model", default=None, help=argparse.SUPPRESS)

    window = commands.add_parser("window", help="where in dose x timing an effect is significant")
    window.add_argument("sweep_dir", type=Path, help="a sweep directory written by 'ketasim sweep'")
    window.add_argument("--metric", required=True, help="metric name (a data variable of results.nc)")
    window.add_argument("--control", required=True, metavar="KEY=VALUE",
                        help="the control setting of one axis, e.g. dosing.0.dose='0 mg/kg'")
    window.add_argument("--alpha", type=_probability, default=0.05, help="false discovery rate (default 0.05)")
    window.add_argument("--direction", choices=("lower", "higher", "either"), default="either",
                        help="the effect that counts (one-sided test); default either (two-sided)")
    window.add_argument("--replicates", default="seed", metavar="KEY",
                        help="the axis holding replicates (default: seed)")
    window.add_argument("--axes", nargs=2, default=None, metavar=("X", "Y"),
                        help="the two axes of the heatmap (default: the first two other axes)")
    window.add_argument("--resamples", type=_int_at_least(MIN_RESAMPLES), default=9999,
                        help=f"bootstrap and permutation resamples, at least {MIN_RESAMPLES} (default 9999)")
    window.add_argument("--seed", type=_int_at_least(0), default=0, help="seed of the resampling, >= 0 (default 0)")
    window.add_argument("--out", type=Path, default=None, help="output directory (default: SWEEP_DIR/window)")

    sensitivity = commands.add_parser("sensitivity", help="global sensitivity of a metric to model parameters")
    sensitivity.add_argument("config", help="scenario YAML file, or the name of an example")
    sensitivity.add_argument("--metric", required=True, help="the metric (a key of the scenario's metrics.json)")
    sensitivity.add_argument("--parameters", action="append", default=[], metavar="GLOB",
                             help="parameters to vary, by name or glob, e.g. 'signalling.spines.*' (repeatable; "
                                  "default: every fitted parameter)")
    sensitivity.add_argument("--method", choices=("morris", "sobol"), default="morris",
                             help="morris: screening, n (k + 1) runs; sobol: first- and total-order indices, "
                                  "n (k + 2) runs (default morris)")
    sensitivity.add_argument("--n", type=_int_at_least(2), default=8,
                             help="Morris trajectories, or Sobol's base sample (a power of 2); default 8")
    sensitivity.add_argument("--seed", type=_int_at_least(0), default=0, help="seed of the sampling (default 0)")
    sensitivity.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                             help="override a key of the scenario")
    sensitivity.add_argument("--out", type=Path, default=None,
                             help="output directory (default: ketasim-out/sensitivity/<config>-<metric>-<method>); "
                                  "rerun to resume")
    sensitivity.add_argument("--workers", type=_int_at_least(1), default=None, metavar="N",
                             help="local worker processes (default: the core count)")
    sensitivity.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler to run on")
    sensitivity.add_argument("--quick", action="store_true", help="small, short circuit profile for every run")
    sensitivity.add_argument("--no-progress", action="store_true", help="no progress bar")
    sensitivity.add_argument("--model", default=None, help=argparse.SUPPRESS)  # developer/test hook, as for sweep

    reproduce = commands.add_parser("reproduce", help="run the review's effects as experiments; figures and REPORT.md")
    reproduce.add_argument("--only", action="extend", nargs="+", default=[], metavar="ID",
                           help="run only these experiments, e.g. --only E01 E10 (repeatable)")
    reproduce.add_argument("--quick", action="store_true", help="reduced profile: small networks, 4 seeds")
    reproduce.add_argument("--strict", action="store_true", help="exit with status 1 if any check fails")
    reproduce.add_argument("--out", type=Path, default=None,
                           help="figures and REPORT.md (default: ketasim-out/reproduce; with --quick "
                                "ketasim-out/reproduce-quick)")
    reproduce.add_argument("--experiments", type=Path, default=None, metavar="DIR",
                           help="directory of experiment scripts (default: the experiments shipped with ketasim)")
    reproduce.add_argument("--workers", type=_int_at_least(1), default=None, metavar="N",
                           help="experiments run in parallel processes (default: the core count)")
    reproduce.add_argument("--robustness", type=_int_at_least(1), default=None, metavar="N",
                           help="then rerun every experiment under N draws of the fitted parameters it reads "
                                "(Latin hypercube over their declared ranges); the report gains a robustness column")
    reproduce.add_argument("--robustness-seed", type=int, default=0, metavar="SEED",
                           help="seed of the robustness draws (default 0)")

    validate = commands.add_parser("validate", help="check a config; runs nothing")
    validate.add_argument("config", help="scenario YAML file, or the name of an example")
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    example = commands.add_parser("example", help="list the example configs, or print one (ketasim example NAME > my.yaml)")
    example.add_argument("name", nargs="?", default=None, help="the example to print (default: list them all)")

    parameters = commands.add_parser("parameters", help="list the model parameters, their units and ranges")
    parameters.add_argument("--fitted", action="store_true", help="only the fitted ones")
    parameters.add_argument("--markdown", action="store_true", help="the docs/parameters.md table")
    return parser


def _int_at_least(minimum: int):
    """An argparse type: a whole number >= ``minimum``, with a one-line error otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value

    return parse


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def _progress(message: str) -> None:
    print(f"ketasim: {message} ...", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    path = config_path(args.config, "scenario")
    config = load_scenario(path, args.overrides)
    out = args.out or default_output_dir("run", path.stem)
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


def _sweep(args: argparse.Namespace) -> int:
    from ketasim.sweep import load_sweep, run_sweep

    path = config_path(args.config, "sweep")
    spec = load_sweep(path)  # every point validated before anything is written
    out = args.out or default_output_dir("sweep", path.stem, args.quick)
    try:
        summary = run_sweep(spec, out, workers=args.workers, scheduler=args.scheduler, quick=args.quick,
                            retry_failed=args.retry_failed, model=args.model, progress=not args.no_progress,
                            scheduler_timeout_s=args.scheduler_timeout, allow_code_change=args.allow_code_change)
    except KeyboardInterrupt:
        print(f"ketasim: sweep interrupted; finished points are stored in {out}: rerun the same command to resume",
              file=sys.stderr)
        return 130
    print(f"ketasim: sweep {out}: {summary.total} scenarios ({summary.reused} already done, {summary.ran} run now), "
          f"{summary.failed} failed, {summary.elapsed_s:.1f} s; wrote results.nc and results.csv", file=sys.stderr)
    if len(summary.code_versions) > 1:
        print(f"ketasim: warning: the points were computed by {len(summary.code_versions)} versions of the ketasim "
              f"code ({', '.join(summary.code_versions)}); see the code_version column of results.csv", file=sys.stderr)
    if summary.failed:
        print(f"ketasim: {summary.failed} failed points are recorded with their errors in {out / 'results.csv'}; "
              "rerun with --retry-failed", file=sys.stderr)
        return 1
    return 0


def _window(args: argparse.Namespace) -> int:
    from ketasim.analysis.window import run_window

    result = run_window(args.sweep_dir, metric=args.metric, control=args.control, alpha=args.alpha,
                        direction=args.direction, replicates=args.replicates, axes=args.axes,
                        resamples=args.resamples, seed=args.seed, out=args.out)
    print(f"ketasim: window of {args.metric}: {result['n_significant']} of {result['n_points']} points significant "
          f"(BH q <= {args.alpha:g}, direction {args.direction}; intervals {result['confidence_level'] * 100:g} % per point); wrote {result['out']}",
          file=sys.stderr)
    runs = result["runs"]
    if runs["failed"] or runs["not_run"] or runs["no_value"]:
        print(f"ketasim: warning: runs left out of the analysis: {runs['failed']} failed, {runs['not_run']} not run, "
              f"{runs['no_value']} without a value of {args.metric} (see window.md)", file=sys.stderr)
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from ketasim.analysis.sensitivity import run_sensitivity

    path = config_path(args.config, "scenario")
    base = load_scenario(path, args.overrides).as_data()  # validated before anything runs
    out = args.out or default_output_dir("sensitivity", f"{path.stem}-{args.metric}-{args.method}", args.quick)
    started = time.perf_counter()
    indices = run_sensitivity(base, args.metric, out, args.parameters, args.method, args.n, args.seed, args.quick,
                              args.workers, args.scheduler, not args.no_progress, args.model)
    main = "mu_star" if args.method == "morris" else "ST"
    ranked = indices.sortby(main, ascending=False)["parameter"].values[:3]
    print(f"ketasim: sensitivity of {args.metric}: {indices.attrs['runs']} runs, {time.perf_counter() - started:.0f} s; "
          f"largest {main}: {', '.join(map(str, ranked))}; wrote {out}", file=sys.stderr)
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    import os

    from ketasim.reproduce.runner import reproduce

    started = time.perf_counter()
    workers = args.workers or os.cpu_count() or 1
    if args.robustness:
        from ketasim.analysis.robustness import reproduce_with_robustness

        rows, report = reproduce_with_robustness(args.only, draws=args.robustness, quick=args.quick, out=args.out,
                                                 experiments=args.experiments, workers=workers,
                                                 seed=args.robustness_seed, progress=_progress)
    else:
        rows, report = reproduce(args.only, quick=args.quick, out=args.out, experiments=args.experiments,
                                 workers=workers, progress=_progress)
    failed = [i for i, r in rows.items() if not r["passed"]]
    errors = [i for i, r in rows.items() if r["error"]]
    print(f"ketasim: reproduce: {len(rows) - len(failed)} of {len(rows)} effects pass"
          f"{' (failing: ' + ', '.join(failed) + ')' if failed else ''} in {time.perf_counter() - started:.0f} s; "
          f"wrote {report}", file=sys.stderr)
    if errors:
        print(f"ketasim: error: experiments {', '.join(errors)} raised an error (see {report})", file=sys.stderr)
        return 1
    return 1 if args.strict and failed else 0


def _validate(args: argparse.Namespace) -> int:
    config = load_scenario(config_path(args.config, "scenario"), args.overrides)
    print(f"{args.config}: valid ({config.species}, {len(config.dosing)} dose entries, "
          f"{len(config.protocol)} protocol events, {config.span_h():g} h)")
    return 0


def _example(args: argparse.Namespace) -> int:
    from ketasim.bundled import find_example, list_examples

    if args.name is None:
        for e in list_examples():
            print(f"{e.name}\t{e.kind}\t{e.summary}")
        return 0
    sys.stdout.write(find_example(args.name).path.read_text(encoding="utf-8"))
    return 0


def _parameters(args: argparse.Namespace) -> int:
    from ketasim.parameters import registry, render_table

    if args.markdown:
        sys.stdout.write(render_table())
        return 0
    for p in registry():
        if args.fitted and not p.fitted:
            continue
        low, high = p.bounds
        print(f"{p.key}\t{p.value:g} {p.unit}\t[{low:g}, {high:g}]\t{'fitted' if p.fitted else 'measured'}")
    return 0


def _headless_figures() -> None:
    """Figures go to files: the Agg backend here and, through MPLBACKEND, in worker processes."""
    import os

    os.environ["MPLBACKEND"] = "Agg"
    import matplotlib

    matplotlib.use("Agg")


def _warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"ketasim: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ketasim`` command; returns the exit status."""
    import warnings

    args = _build_parser().parse_args(argv)
    handlers = {"run": _run, "sweep": _sweep, "window": _window, "reproduce": _reproduce, "validate": _validate,
                "parameters": _parameters, "example": _example, "sensitivity": _sensitivity}
    _headless_figures()
    previous = warnings.showwarning
    warnings.showwarning = _warning  # ketasim's warnings as one line each
    try:
        return handlers[args.command](args)
    except ConfigError as exc:
        print(f"ketasim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        warnings.showwarning = previous


if __name__ == "__main__":
    sys.exit(main())
