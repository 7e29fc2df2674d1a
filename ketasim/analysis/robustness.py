"""Robustness of the reproduction: every experiment rerun under draws of the fitted parameters.

``ketasim reproduce --robustness N`` runs the reproduction as usual (the
nominal rows, with figures), each experiment in a fresh process that records
which parameters it reads (:func:`ketasim.parameters.record_reads`). Alongside
it, it draws ``N`` parameter sets, a Latin hypercube (SALib) over every *fitted*
parameter, each over its declared range and sampled
as :class:`~ketasim.analysis.sensitivity.SensitivityProblem` samples it
(log-uniform where the range spans a factor of 2 or more). Draw ``k`` is one
variant of the model: every experiment reruns under it
(:func:`ketasim.reproduce.runner.execute_experiment` with ``parameters``), all
of a draw's experiments in one worker process, so that the runtime (Cython)
code a draw's values compile is compiled once; the compiled BLA and LHb
networks read a draw's constants per run from one shared binary of each
shape (:func:`ketasim.circuit.bla_compiled.compiled_bla`). Each experiment's draws are a Latin
hypercube over the parameters it reads (a hypercube's projection is one).
Parameters compiled into a circuit binary (:func:`ketasim.circuit.engine.compiled_in`:
the PFC network's compiled-in parameters, the BLA network's structure and the
learning rule's exponents) are
not varied: each value would compile a binary of its own.

Per experiment the report gains how many draws every check held under, the
share per check, and the three varied parameters it reads that move its
checks' values most (largest |Spearman ρ| over the draws), with a
Bonferroni-corrected mark and, for each, a partner where one exists: a
varied parameter whose draws correlate with its own and which the check
moves with too (both |ρ| ≥ 0.5), an explanation as good. ``robustness.json`` in the output directory keeps
every draw: its values, and per experiment the values of the parameters it read and each check's value
and verdict. A run of some experiments (``--only``) keeps the other experiments' records when it draws the
same hypercube (:func:`ketasim.reproduce.runner.update_draw_record`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from ketasim.analysis.sensitivity import SensitivityProblem, select_parameters
from ketasim.circuit.engine import compiled_in
from ketasim.config import ConfigError
from ketasim.parameters import Parameter
from ketasim.plasticity.equations import learning_rule
from ketasim.reproduce.runner import ReproductionRun, execute_experiment, update_draw_record

__all__ = ["DrawPlan", "plan_draws", "reproduce_with_robustness", "summarise"]

ALPHA = 0.05
TOP = 3
TRACKS = 0.5  # |ρ| for a partner: with the dependence's draws and with the check (p ≈ 0.05 each at 16 draws)


@dataclass(frozen=True)
class DrawPlan:
    """The parameter draws of one experiment.

    Attributes
    ----------
    varied : list of str
        The fitted parameters drawn (``layer.name``), in column order.
    compiled_in : list of str
        Fitted parameters the experiment reads that stay at their values
        (compiled into a circuit binary: :func:`ketasim.circuit.engine.compiled_in`).
    values : ndarray, shape (draws, len(varied))
        Each draw's values, in the parameters' registered units.
    """

    varied: list[str]
    compiled_in: list[str]
    values: np.ndarray

    def overrides(self, draw: int) -> dict[str, float]:
        """Draw ``draw`` as parameter overrides."""
        return {key: float(v) for key, v in zip(self.varied, self.values[draw], strict=True)}

    def restricted(self, reads: Sequence[str]) -> DrawPlan:
        """The same draws, seen by a computation that reads only ``reads``: their columns among the varied ones."""
        wanted = set(reads)
        columns = [j for j, key in enumerate(self.varied) if key in wanted]
        return DrawPlan([self.varied[j] for j in columns], [k for k in self.compiled_in if k in wanted],
                        self.values[:, columns])


def plan_draws(reads: Sequence[str], draws: int, seed: int) -> DrawPlan:
    """A Latin hypercube of ``draws`` sets over the fitted, finitely ranged parameters among ``reads``.

    Parameters
    ----------
    reads : sequence of str
        Parameters an experiment read (``layer.name``). Those a scenario sets
        through a config key of its own (``fear.cs_overlap``) are not drawn.
    draws : int
        Number of parameter sets (≥ 1).
    seed : int
        Seed of the hypercube (same seed, same draws).
    """
    from SALib.sample import latin

    # What sensitivity varies by default (fitted, finite range, not set by a config key), among the reads.
    wanted = set(reads)
    fitted = [p for p in select_parameters() if p.key in wanted and p.bounds[0] < p.bounds[1]]
    rule = learning_rule()
    varied: list[Parameter] = [p for p in fitted if not compiled_in(p.key, rule)]
    fixed = [p.key for p in fitted if compiled_in(p.key, rule)]
    if not varied:
        return DrawPlan([], fixed, np.empty((draws, 0)))
    problem = SensitivityProblem.of(varied)
    samples = latin.sample(problem.salib, draws, seed=seed)
    return DrawPlan([p.key for p in varied], fixed, problem.values(samples))


def summarise(plan: DrawPlan, outcomes: Sequence[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    """The report's robustness entry of one experiment from its draws' rows (in draw order).

    An erroneous draw counts as one under which the claim did not hold, and is counted apart.
    """
    n = len(outcomes)
    errors = sum(bool(o["error"]) for o in outcomes)
    holds = sum(bool(o["passed"]) and not o["error"] for o in outcomes)
    n_checks = max((len(o["checks"]) for o in outcomes), default=0)
    fractions: list[float | None] = []
    values = np.full((n, n_checks), np.nan)
    for c in range(n_checks):
        judged = [o["checks"][c]["passed"] for o in outcomes if len(o["checks"]) > c]
        fractions.append(sum(judged) / n if n else None)
        for d, o in enumerate(outcomes):
            if len(o["checks"]) > c and o["checks"][c].get("value") is not None:
                values[d, c] = o["checks"][c]["value"]
    depends: list[dict[str, Any]] = []
    tests = max(1, len(plan.varied) * n_checks)
    for j, key in enumerate(plan.varied):
        best: dict[str, Any] | None = None
        for c in range(n_checks):
            ok = np.isfinite(values[:, c])
            x, y = plan.values[ok, j], values[ok, c]
            if ok.sum() < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            rho, p = stats.spearmanr(x, y)
            if math.isfinite(rho) and (best is None or abs(rho) > abs(best["rho"])):
                best = {"parameter": key, "rho": float(rho), "check": c, "p": float(p),
                        "significant": bool(p < ALPHA / tests)}
        if best is not None:
            depends.append(best)
    depends.sort(key=lambda d: -abs(d["rho"]))
    for dependence in depends[:TOP]:
        dependence["tracks"] = _partner(plan, dependence["parameter"], values[:, dependence["check"]])
    return {"draws": n, "holds": holds, "fraction": holds / n if n else float("nan"), "errors": errors,
            "check_fractions": fractions, "depends_on": depends[:TOP], "varied": len(plan.varied),
            "compiled_in": plan.compiled_in, "wall_s": round(wall_s, 1)}


def _partner(plan: DrawPlan, key: str, check: np.ndarray) -> dict[str, Any] | None:
    """Another varied parameter that explains a check as well as ``key`` does, or None.

    With fewer draws than parameters some hypercube columns always
    correlate. A parameter whose draws correlate with ``key``'s (|Spearman
    ρ| ≥ ``TRACKS``) and which moves with the check too (|ρ| ≥ ``TRACKS``) is
    as good an explanation; of those, the one the check moves with most.
    ``check`` holds the check's value per draw (NaN where it has none).
    """
    ok = np.isfinite(check)
    if ok.sum() < 3 or np.ptp(check[ok]) == 0:
        return None
    j = plan.varied.index(key)
    best: dict[str, Any] | None = None
    for k, other in enumerate(plan.varied):
        if k == j or np.ptp(plan.values[ok, k]) == 0:
            continue
        with_key = float(stats.spearmanr(plan.values[:, j], plan.values[:, k])[0])
        with_check = float(stats.spearmanr(plan.values[ok, k], check[ok])[0])
        if abs(with_key) >= TRACKS and abs(with_check) >= TRACKS and (
                best is None or abs(with_check) > abs(best["rho_check"])):
            best = {"parameter": other, "rho": with_key, "rho_check": with_check}
    return best


def _run_draw(paths: Sequence[str], quick: bool, out: str, overrides: dict[str, float]) -> list[dict[str, Any]]:
    """One draw: every experiment under the same overrides, one after another in this worker (no figures)."""
    return [execute_experiment(path, quick, out, overrides, save_figure=False) for path in paths]


def reproduce_with_robustness(
    only: Sequence[str] = (),
    *,
    draws: int,
    quick: bool = False,
    out: str | Path | None = None,
    experiments: str | Path | None = None,
    workers: int = 1,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, dict[str, Any]], Path]:
    """The reproduction (as :func:`ketasim.reproduce.runner.reproduce`) and every experiment under ``draws`` draws.

    With ``workers`` > 1 the draws run alongside the nominal run, each in
    its own pool of ``workers`` processes (so up to twice as many processes
    while the nominal rows are still running); with one worker, one after
    the other.

    Parameters
    ----------
    only, quick, out, experiments, workers, progress
        As for the reproduction.
    draws : int
        Parameter draws (≥ 1); each experiment runs under every one.
    seed : int
        Seed of the hypercube.

    Returns
    -------
    rows, report
        This run's rows (each with its ``robustness`` entry) and ``REPORT.md``.
    """
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 1:
        raise ConfigError("--robustness", str(draws), "must be a whole number of draws ≥ 1")
    say = progress or (lambda message: None)
    run = ReproductionRun.start(only, quick, out, experiments)
    # The hypercube spans every fitted parameter, so the draws need not wait for the nominal rows to say
    # which ones the experiments read: both run at once and the cores stay busy. Each experiment's own
    # draws are the columns of the parameters it read (a hypercube's projection is one).
    plan = plan_draws([p.key for p in select_parameters()], draws, seed)
    scratch = run.out / "robustness"
    scratch.mkdir(exist_ok=True)
    order = run.longest_first()
    paths = [str(run.chosen[eid]) for eid in order]
    outcomes: list[list[dict[str, Any]]] = [[] for _ in range(draws)]
    say(f"robustness: {draws} draws of {len(plan.varied)} fitted parameters, {len(order)} experiments each, "
        "alongside the nominal run")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, min(workers, draws))) as pool:
        def submit() -> dict[Future[list[dict[str, Any]]], int]:
            return {pool.submit(_run_draw, paths, quick, str(scratch), plan.overrides(d)): d for d in range(draws)}

        futures = submit() if workers > 1 else {}  # one worker: one process at a time, the nominal run first
        rows = run.execute(workers, progress, record=True)
        futures = futures or submit()
        for done, future in enumerate(as_completed(futures), 1):
            outcomes[futures[future]] = future.result()
            say(f"robustness: {done}/{draws} draws ({(time.perf_counter() - started) / 60:.1f} min)")
    ran = [eid for eid in order if not rows[eid]["error"]]
    position = {eid: k for k, eid in enumerate(order)}  # an experiment's place in every draw's rows
    plan = plan.restricted(sorted({key for eid in ran for key in rows[eid].get("reads", [])}))
    record: dict[str, Any] = {
        "draws": draws, "seed": seed, "quick": quick, "parameters": plan.varied, "compiled_in": plan.compiled_in,
        "values": plan.values.tolist(), "wall_s": round(time.perf_counter() - started, 1),
        "passing_per_draw": [sum(bool(drawn[position[eid]]["passed"]) for eid in ran) for drawn in outcomes],
        "experiments": {}}
    for eid in ran:
        own = plan.restricted(rows[eid].get("reads", []))
        mine = [drawn[position[eid]] for drawn in outcomes]
        rows[eid]["robustness"] = summarise(own, mine, sum(r["wall_s"] for r in mine))
        record["experiments"][eid] = {
            "parameters": own.varied, "values": own.values.tolist(), "passed": [bool(r["passed"]) for r in mine],
            "errors": [r["error"] for r in mine],
            "checks": [[{"passed": c["passed"], "value": c.get("value")} for c in r["checks"]] for r in mine]}
    update_draw_record(run.out, rows, record, keep=set(run.scripts) - set(rows))
    return rows, run.report(rows, workers)
