"""``ketasim reproduce``: run the experiments, save their figures, write ``REPORT.md``.

Experiments are the modules ``E??_*.py`` of the experiments directory (the
repository's ``experiments/`` by default). Each runs in a worker process with
its own Brian2 build directory; its figure is saved as ``<out>/<ID>.png`` and
its checks go into ``<out>/report.json`` and ``<out>/REPORT.md``. Running a
subset (``--only``) updates those rows and keeps the others, each row saying
which profile and which run (date, ketasim version) produced it.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ketasim.bundled import bundled_dir
from ketasim.config import ConfigError
from ketasim.outputs import atomic_write_text
from ketasim.settings import claim_build_dir, default_output_dir
from ketasim.version import __version__

__all__ = ["ReproductionRun", "default_experiments_dir", "discover", "execute_experiment", "reproduce"]

_ID = re.compile(r"^(E\d\d)_\w+\.py$")
REQUIRED = ("ID", "TITLE", "CLAIM", "SOURCES", "FITTED", "run")


def default_experiments_dir() -> Path:
    """The experiments shipped with ketasim: ``experiments/`` of the checkout, or the installed package's copy."""
    return bundled_dir("experiments")


def discover(directory: str | Path) -> dict[str, Path]:
    """Experiment ID → script path, sorted by ID; a bad directory is a :class:`ConfigError`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError("--experiments", str(directory), "is not a directory of experiment scripts (E01_*.py, ...)")
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        match = _ID.match(path.name)
        if match:
            if match.group(1) in found:
                raise ConfigError("--experiments", str(directory), f"two scripts for {match.group(1)}")
            found[match.group(1)] = path
    if not found:
        raise ConfigError("--experiments", str(directory), "holds no experiment scripts (E01_*.py, ...)")
    return found


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"ketasim_experiment_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    missing = [name for name in REQUIRED if not hasattr(module, name)]
    if missing:
        raise AttributeError(f"{path.name} lacks {', '.join(missing)}")
    return module


def execute_experiment(path: str, quick: bool, out: str, parameters: Mapping[str, float] | None = None,
                       record: bool = False, save_figure: bool = True) -> dict[str, Any]:
    """Run one experiment (in a worker) and return its report row; never raises: an error is a failed row.

    Parameters
    ----------
    path : str
        The experiment script.
    quick : bool
        The quick profile.
    out : str
        Where its figure goes (``<ID>.png``).
    parameters : mapping, optional
        Parameter overrides (``layer.name`` → value) the whole experiment runs
        under, e.g. a robustness draw; its scenarios' own overrides win.
    record : bool
        Add ``reads``: the name of every parameter the run read. Complete only
        in a fresh process (a warm one keeps values read before, e.g. in a
        compiled binary).
    save_figure : bool
        Save the figure (``figure`` names it); else close it unsaved.
    """
    claim_build_dir()  # before the model loads: this worker's own build directory
    import matplotlib.pyplot as plt  # the backend is the caller's choice (the CLI's is Agg, inherited by workers)

    from ketasim.parameters import ParameterSet, record_reads, using  # noqa: I001 (after the claim, on purpose)
    from ketasim.reproduce.experiment import Profile

    started = time.perf_counter()
    profile = Profile.make(quick)
    # "profile" is the label shown (it may name the circuits the experiment chose); "profile_name" the requested one.
    row: dict[str, Any] = {"id": Path(path).name[:3], "profile": profile.name, "profile_name": profile.name,
                           "seeds": list(profile.seeds)}
    try:
        module = _load(Path(path))
        row.update(id=module.ID, title=module.TITLE, claim=module.CLAIM, sources=module.SOURCES, fitted=module.FITTED,
                   note=getattr(module, "NOTE", ""))
        recording: AbstractContextManager[set[str]] = record_reads() if record else nullcontext(set())
        with using(ParameterSet(parameters)), recording as reads, _older_objects_left_out_of_gc():
            outcome = module.run(profile)
        if record:
            row["reads"] = sorted(reads)
        figure = Path(out) / f"{module.ID}.png"
        if save_figure:
            outcome.figure.savefig(figure, dpi=110)
        plt.close("all")
        row.update(checks=[asdict(c) for c in outcome.checks], numbers=_plain(outcome.numbers),
                   passed=outcome.passed, figure=figure.name if save_figure else "", error="")
        if outcome.ran_as is not None and outcome.ran_as != profile:
            row.update(profile=f"{profile.name}, {outcome.ran_as.name} circuits", seeds=list(outcome.ran_as.seeds))
    except Exception as exc:  # one broken experiment must not stop the others
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        row.update(checks=[], numbers={}, passed=False, figure="",
                   error=f"{type(exc).__name__}: {exc} (at {Path(frame.filename).name}:{frame.lineno})")
    row["wall_s"] = round(time.perf_counter() - started, 1)
    return row


@contextmanager
def _older_objects_left_out_of_gc() -> Iterator[None]:
    """Keep the objects alive now (modules, Brian2's and sympy's caches) out of garbage collection while inside.

    Brian2 runs a full ``gc.collect()`` at the start of every run, which
    walks every object of the process: 0.16 s per run in a warm worker,
    about 5 s in a robustness draw of the quick profile. Frozen objects are
    skipped; they are unfrozen afterwards, so nothing is kept from collection for good.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _plain(value: Any) -> Any:
    """JSON-safe copy of numbers, arrays and nested containers."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def _version() -> str:
    """``git describe`` of the checkout ketasim runs from; the package version when installed from a wheel."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return __version__
    try:
        return subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _provenance(rows: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    """The report's header line: which invocation produced which rows, with what, in how long."""
    ran = meta["ran"]  # this invocation's IDs (sorted); every one is among the rows
    profiles = sorted({r.get("profile_name", r["profile"].split(",")[0]) for r in rows.values()})
    line = (f"Last run: {meta['date']}, ketasim {meta['version']}, profile(s) {', '.join(profiles)}, wall time "
            f"{meta['wall_s'] / 60:.1f} min on {meta['cores']} cores ({meta['machine']})")
    if len(ran) == len(rows):
        return line + "."
    return (line + f" for {', '.join(ran)}; the other rows are kept from earlier runs (each row says which), so "
            "this header's wall time is not the whole reproduction's.")


def update_draw_record(out: Path, rows: Mapping[str, Any], record: dict[str, Any] | None = None,
                       keep: Iterable[str] = ()) -> None:
    """Write ``robustness.json`` for this run's rows, keeping the draws of the experiments the report keeps.

    ``record``: this run's draws (:func:`ketasim.analysis.robustness.reproduce_with_robustness`), or None for a
    run without draws, which removes the rerun experiments' earlier draws. The records of ``keep`` (rows
    kept from an earlier run) stay when the earlier file drew the same hypercube (draws, seed, profile);
    each experiment's record carries its own draw values, so a parameter's range may have changed
    in between. ``passing_per_draw`` counts over every record the file then holds.
    """
    path = out / "robustness.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = None
    if record is None:
        if previous is None:
            return
        record = {k: v for k, v in previous.items() if k != "experiments"} | {"experiments": {}}
        keep = previous["experiments"].keys() - rows.keys()
    if previous is not None and all(previous.get(k) == record[k] for k in ("draws", "seed", "quick")):
        for eid in sorted(set(keep) - set(record["experiments"])):
            old = previous.get("experiments", {}).get(eid)
            if old is None:
                continue
            if "values" not in old:  # written before each record carried its own values
                columns = [previous["parameters"].index(p) for p in old["parameters"]]
                old = {**old, "values": [[draw[c] for c in columns] for draw in previous["values"]]}
            record["experiments"][eid] = old
    record["passing_per_draw"] = [sum(bool(e["passed"][d]) for e in record["experiments"].values())
                                  for d in range(record["draws"])]
    atomic_write_text(path, json.dumps(record, indent=1))


def write_report(rows: dict[str, dict[str, Any]], out: Path, meta: dict[str, Any]) -> Path:
    """``REPORT.md`` (and ``report.json``) from the rows, written atomically.

    ``meta["ran"]`` lists the IDs this invocation ran; other rows are kept from earlier runs.
    """
    ran = set(meta["ran"])
    lines = [
        "# ketasim reproduction report",
        "",
        "Each effect the review describes, run as an experiment (`experiments/`), with its figure and an honest "
        "check of the claim against the numbers the model produced. Seeds are paired across conditions; where "
        "a check of an effect spans seeds, the 95 % paired t interval of the difference must exclude 0; a claim "
        "of no effect is an equivalence test (TOST): the 90 % interval must lie inside the stated margin.",
        "",
        _provenance(rows, meta),
        "",
        f"**{sum(r['passed'] for r in rows.values())} of {len(rows)} effects pass.**",
        "",
    ]
    robust = any("robustness" in r for r in rows.values())
    lines += ["| ID | claim | measured | criterion | result | figure |" + (" robustness |" if robust else ""),
              "| --- | --- | --- | --- | --- | --- |" + (" --- |" if robust else "")]
    for key in sorted(rows):
        r = rows[key]
        if r["error"]:
            measured, criterion, verdict = f"error: {r['error']}", "", "**ERROR**"
        else:
            measured = "<br>".join(f"{_cell(c['claim'])}: {_cell(c['measured'])}" for c in r["checks"])
            criterion = "<br>".join(_cell(c["criterion"]) + (" ✔" if c["passed"] else " ✘") for c in r["checks"])
            verdict = "pass" if r["passed"] else "**FAIL**"
        figure = f"[{r['figure']}]({r['figure']})" if r["figure"] else ""
        kept = "" if key in ran else (f", kept from the run of {r['run']['date']}, ketasim {r['run']['version']}"
                                      if "run" in r else ", kept from an earlier run")
        lines.append(f"| {r['id']} ({r['profile']}, seeds {','.join(map(str, r['seeds']))}, {r['wall_s']:.0f} s{kept}) "
                     f"| {_cell(r.get('claim', ''))} | {measured} | {criterion} | {verdict} | {figure} |"
                     + (f" {_robustness_cell(r.get('robustness'))} |" if robust else ""))
    lines += ["", "## Sources and fitted parameters", ""]
    for key in sorted(rows):
        r = rows[key]
        note = f" Note: {_cell(r['note'])}" if r.get("note") else ""
        lines.append(f"- **{r['id']} {_cell(r.get('title', ''))}.** Sources: {_cell(r.get('sources', ''))}. "
                     f"Fitted to this effect: {_cell(r.get('fitted', ''))}.{note}")
    if robust:
        lines += ["", "## Robustness over the fitted parameters", "", ROBUSTNESS_PREAMBLE, ""]
        lines += [_robustness_line(rows[key]) for key in sorted(rows) if "robustness" in rows[key]]
    for name, text in (("report.json", json.dumps({"meta": meta, "rows": rows}, indent=1, sort_keys=True)),
                       ("REPORT.md", "\n".join(lines) + "\n")):
        atomic_write_text(out / name, text)
    return out / "REPORT.md"


ROBUSTNESS_PREAMBLE = (
    "Each experiment rerun under parameter draws: a Latin hypercube over the fitted parameters, each over its "
    "declared range (`docs/parameters.md`; log-uniform where the range spans a factor of 2 or more), except those "
    "compiled into a circuit binary (the PFC network's compiled-in parameters, the BLA network's structure and the "
    "learning rule's exponents; listed), all other parameters at their values; an experiment sees the draws of "
    "the parameters it reads. Draw "
    "k is the same model variant for every experiment (`robustness.json`). *Holds* counts "
    "the draws under which every check of the experiment passes; ⚠ marks a claim that holds in less than half. "
    "*Depends on* ranks the varied parameters by the largest |Spearman ρ| between a parameter's draws and a "
    "check's measured value; * marks a ρ whose p-value passes a Bonferroni correction over parameters × checks. "
    "Where another varied parameter's draws correlate with that parameter's (|ρ| ≥ 0.5; with fewer draws than "
    "parameters some always do) and the check moves with it too (|ρ| ≥ 0.5), the line names it: either may be "
    "the cause. "
    "With few draws only strong dependences can be told from chance.")


def _robustness_cell(robustness: dict[str, Any] | None) -> str:
    if not robustness:
        return "not run"
    flag = " ⚠" if robustness["fraction"] < 0.5 else ""
    errors = f", {robustness['errors']} error(s)" if robustness.get("errors") else ""
    return f"holds in {robustness['holds']}/{robustness['draws']} draws ({robustness['fraction']:.0%}){flag}{errors}"


def _robustness_line(row: dict[str, Any]) -> str:
    rob = row["robustness"]
    checks = "; ".join(f"check {i + 1}: {f:.0%}" if f is not None else f"check {i + 1}: -"
                       for i, f in enumerate(rob["check_fractions"]))
    depends = ", ".join(f"`{d['parameter']}` (ρ = {d['rho']:+.2f} on check {d['check'] + 1}{'*' if d['significant'] else ''}"
                        + (f"; or `{d['tracks']['parameter']}`, ρ = {d['tracks']['rho_check']:+.2f}, whose draws "
                           f"track its own, ρ = {d['tracks']['rho']:+.2f}" if d.get("tracks") else "") + ")"
                        for d in rob["depends_on"]) or ("none varied" if not rob["varied"] else "none found")
    fixed = (f" Not varied (compiled into a circuit binary): {', '.join(f'`{k}`' for k in rob['compiled_in'])}."
             if rob["compiled_in"] else "")
    return (f"- **{row['id']}**: {_robustness_cell(rob)}; {rob['varied']} fitted parameters varied, "
            f"{rob['wall_s'] / 60:.1f} min of worker time. Per check: {checks}. Depends on: {depends}.{fixed}")


def _last_wall_s(eid: str, out: Path, script: Path) -> float:
    """Wall time of the experiment's last recorded run (this output's report, else the committed one), or 0."""
    for report in (out / "report.json", script.parent.parent / "figures" / "report.json"):
        try:
            return float(json.loads(report.read_text(encoding="utf-8"))["rows"][eid]["wall_s"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return 0.0


def reproduce(only: Sequence[str] = (), quick: bool = False, out: str | Path | None = None,
              experiments: str | Path | None = None, workers: int = 1,
              progress: Callable[[str], None] | None = None) -> tuple[dict[str, dict[str, Any]], Path]:
    """Run the experiments; returns the rows of this run and the report's path.

    Parameters
    ----------
    only : sequence of str
        Experiment IDs to run (default: all).
    quick : bool
        The quick profile (small networks, fewer seeds).
    out : path, optional
        Where figures and the report go (default ``ketasim-out/reproduce``,
        with ``quick`` ``ketasim-out/reproduce-quick``; ``make reproduce``
        writes the committed report into ``figures/``).
    experiments : path, optional
        Directory of experiment scripts (default :func:`default_experiments_dir`).
    workers : int
        Experiments run in parallel processes (1 = in this process).
    """
    run = ReproductionRun.start(only, quick, out, experiments)
    rows = run.execute(workers, progress)
    return rows, run.report(rows, workers)


@dataclass
class ReproductionRun:
    """One invocation's experiments, output directory and start, from checked arguments to the merged report."""

    scripts: dict[str, Path]  # every experiment of the directory
    chosen: dict[str, Path]  # the ones this run executes
    quick: bool
    out: Path
    started: float
    version: str

    @classmethod
    def start(cls, only: Sequence[str], quick: bool, out: str | Path | None,
              experiments: str | Path | None) -> ReproductionRun:
        """Check the arguments (a :class:`ConfigError` names a bad one) and create the output directory."""
        scripts = discover(experiments or default_experiments_dir())
        unknown = [i for i in only if i not in scripts]
        if unknown:
            raise ConfigError("--only", ", ".join(unknown), f"unknown experiment; allowed: {', '.join(scripts)}")
        chosen = {i: scripts[i] for i in (dict.fromkeys(only) if only else scripts)}
        out = Path(out) if out is not None else default_output_dir("reproduce", quick=quick)
        if out.exists() and not out.is_dir():
            raise ConfigError("--out", str(out), "exists and is not a directory")
        out.mkdir(parents=True, exist_ok=True)
        # The version before any output lands in the checkout (figures/ would make it "-dirty").
        return cls(scripts, chosen, quick, out, time.perf_counter(), _version())

    def longest_first(self) -> list[str]:
        """The chosen IDs, longest first by the last recorded run, so that no long experiment starts last."""
        return sorted(self.chosen, key=lambda i: -_last_wall_s(i, self.out, self.scripts[i]))

    def execute(self, workers: int, progress: Callable[[str], None] | None = None,
                record: bool = False) -> dict[str, dict[str, Any]]:
        """Run the chosen experiments, ``workers`` at a time; their rows by ID.

        With ``record`` each runs in a fresh process and its row lists the
        parameters it read (:func:`execute_experiment`).
        """
        say = progress or (lambda message: None)
        rows: dict[str, dict[str, Any]] = {}

        def done(row: dict[str, Any]) -> None:
            rows[row["id"]] = row
            verdict = "error" if row["error"] else ("pass" if row["passed"] else "FAIL")
            say(f"{row['id']}: {verdict} ({row['wall_s']:.0f} s)")

        if (workers <= 1 or len(self.chosen) == 1) and not record:
            for path in self.chosen.values():
                done(execute_experiment(str(path), self.quick, str(self.out)))
            return rows
        # Recording needs a fresh process per experiment: a warm one keeps values read before.
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(self.chosen))),
                                 max_tasks_per_child=1 if record else None) as pool:
            futures = [pool.submit(execute_experiment, str(self.chosen[i]), self.quick, str(self.out), record=record)
                       for i in self.longest_first()]
            for future in as_completed(futures):
                done(future.result())
        return rows

    def report(self, rows: dict[str, dict[str, Any]], workers: int) -> Path:
        """Write ``REPORT.md`` and ``report.json``: this run's rows, and the other experiments' kept from before."""
        previous: dict[str, dict[str, Any]] = {}
        try:
            previous = json.loads((self.out / "report.json").read_text(encoding="utf-8")).get("rows", {})
        except (OSError, ValueError):
            previous = {}
        meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "version": self.version,
                "wall_s": time.perf_counter() - self.started, "cores": os.cpu_count(),
                "machine": f"{platform.machine()}, Python {sys.version.split()[0]}", "workers": workers,
                "ran": sorted(rows)}
        for row in rows.values():
            row["run"] = {"date": meta["date"], "version": meta["version"]}
        merged = {k: v for k, v in previous.items() if k in self.scripts and k not in rows} | rows
        if not any("robustness" in row for row in rows.values()):
            update_draw_record(self.out, rows)  # rerun without draws: their earlier draws describe them no more
        return write_report(merged, self.out, meta)
