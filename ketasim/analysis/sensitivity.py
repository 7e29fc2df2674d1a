"""Global sensitivity of a scenario's metric to model parameters (``ketasim sensitivity``).

The parameters are drawn over their declared ranges (``ketasim parameters``):
log-uniformly where the range is multiplicative (``low > 0`` and
``high / low >= 2``, e.g. a fitted value's default ×0.5 to ×2), uniformly
otherwise. The draws are SALib's (Morris trajectories, or Saltelli's extension
of Sobol sequences); each draw is one point of a sweep of the base scenario
with those ``parameters:`` overrides, so the runs go through the sweep engine
(a resumable store, a local pool or a Dask cluster) and a rerun resumes. The
seed is the base scenario's for every draw (common random numbers), so the
indices measure the parameters' effect, not seed noise.

- **Morris screening** (``method="morris"``): ``n`` trajectories of
  ``k + 1`` runs for ``k`` parameters; ``mu_star`` (the mean absolute
  elementary effect, in the metric's unit per sampled range) ranks the
  parameters that matter, ``sigma`` says how much they interact or act
  non-linearly.
- **Sobol indices** (``method="sobol"``): ``n (k + 2)`` runs; first-order
  ``S1`` (the share of the metric's variance a parameter explains alone) and
  total-order ``ST`` (alone and in any interaction), each with a bootstrap
  95 % confidence interval. Use it on the few parameters Morris found.

Writes ``sensitivity.nc`` (indices over a ``parameter`` dimension),
``sensitivity.json``, ``sensitivity.png`` (ranked indices with their
intervals) and ``runs/`` (the sweep store of every run).
"""

from __future__ import annotations

import fnmatch
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from ketasim.config import CONFIG_KEY_PARAMETERS, ConfigError
from ketasim.outputs import atomic_write, atomic_write_text
from ketasim.parameters import Parameter, registry
from ketasim.sweep.export import NOT_METRICS

__all__ = ["METHODS", "SensitivityProblem", "analyse", "plan", "run_sensitivity", "select_parameters"]

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4
LOG_SPAN = 2.0  # a range with high / low at least this (and low > 0) is sampled log-uniformly
CONFIDENCE = 0.95


def select_parameters(patterns: Sequence[str] = ()) -> list[Parameter]:
    """The registered parameters a sensitivity analysis varies.

    A parameter that a scenario sets through a config key of its own
    (``circuit.bla.cs_overlap`` is ``fear.cs_overlap``) is never varied as a
    parameter: sweep its config key instead.

    Parameters
    ----------
    patterns : sequence of str
        Shell-style globs over parameter names (``signalling.spines.*``);
        default: every fitted parameter with a finite range.

    Raises
    ------
    ConfigError
        For a pattern that matches nothing, or nothing with a finite declared
        range (a glob takes only the parameters it matches that have one;
        measured constants without a range are held at their values), or that
        names a parameter set by a config key.
    """
    every = [p for p in registry() if p.key not in CONFIG_KEY_PARAMETERS]
    if not patterns:
        return [p for p in every if p.fitted and all(math.isfinite(b) for b in p.bounds)]
    chosen: dict[str, Parameter] = {}
    for pattern in patterns:
        if pattern in CONFIG_KEY_PARAMETERS:
            raise ConfigError("--parameters", pattern, f"is set by the config key {CONFIG_KEY_PARAMETERS[pattern]}; "
                              "sweep that key instead")
        matched = [p for p in every if fnmatch.fnmatchcase(p.key, pattern)]
        if not matched:
            raise ConfigError("--parameters", pattern, "matches no registered parameter (see 'ketasim parameters')")
        finite = [p for p in matched if all(math.isfinite(b) for b in p.bounds)]
        if not finite:
            # A glob takes the parameters it matches that have a range; a name must have one.
            raise ConfigError("--parameters", pattern, f"has no finite range to sample ({matched[0].bounds_reason}); "
                              "give parameters with declared ranges (fitted ones have them)")
        chosen.update((p.key, p) for p in finite)
    return list(chosen.values())


@dataclass
class SensitivityProblem:
    """The parameters, their ranges and how each is sampled (SALib's ``problem``).

    Attributes
    ----------
    parameters : list of Parameter
    log : ndarray of bool
        Sampled log-uniformly (else uniformly).
    """

    parameters: list[Parameter]
    log: np.ndarray

    @classmethod
    def of(cls, parameters: Sequence[Parameter]) -> SensitivityProblem:
        log = np.array([p.bounds[0] > 0 and p.bounds[1] / p.bounds[0] >= LOG_SPAN for p in parameters])
        return cls(list(parameters), log)

    @property
    def salib(self) -> dict[str, Any]:
        """SALib's problem dictionary, bounds in the sampling space (log for log-sampled)."""
        bounds = [[math.log(p.bounds[0]), math.log(p.bounds[1])] if log else list(p.bounds)
                  for p, log in zip(self.parameters, self.log, strict=True)]
        return {"num_vars": len(self.parameters), "names": [p.key for p in self.parameters], "bounds": bounds}

    def unit_position(self, values: np.ndarray) -> np.ndarray:
        """Parameter values → their position in the sampled range, 0 at ``low`` to 1 at ``high``."""
        values = np.asarray(values, dtype=float)
        low = np.array([p.bounds[0] for p in self.parameters])
        high = np.array([p.bounds[1] for p in self.parameters])
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = (np.log(values) - np.log(low)) / (np.log(high) - np.log(low))
        return np.where(self.log, logged, (values - low) / (high - low))

    def values(self, samples: np.ndarray) -> np.ndarray:
        """Samples in the sampling space → parameter values in their registered units (clipped to the range)."""
        values = np.where(self.log, np.exp(samples), samples)
        low = np.array([p.bounds[0] for p in self.parameters])
        high = np.array([p.bounds[1] for p in self.parameters])
        return np.clip(values, low, high)  # exp(log(x)) may step a last bit outside


def plan(problem: SensitivityProblem, method: str, n: int, seed: int = 0) -> np.ndarray:
    """SALib's samples (rows: runs; columns: parameters), in the sampling space."""
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem.salib, n, num_levels=MORRIS_LEVELS, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem.salib, n, calc_second_order=False, seed=seed)
    raise ConfigError("--method", method, f"allowed: {', '.join(METHODS)}")


def analyse(problem: SensitivityProblem, method: str, samples: np.ndarray, outputs: np.ndarray,
            seed: int = 0) -> xr.Dataset:
    """The indices of every parameter, with their 95 % confidence intervals (half-widths ``*_conf``)."""
    names = [p.key for p in problem.parameters]
    if method == "morris":
        from SALib.analyze import morris

        found = morris.analyze(problem.salib, samples, outputs, num_levels=MORRIS_LEVELS,
                               conf_level=CONFIDENCE, seed=seed)
        columns = {"mu_star": found["mu_star"], "mu_star_conf": found["mu_star_conf"], "mu": found["mu"],
                   "sigma": found["sigma"]}
    else:
        from SALib.analyze import sobol

        found = sobol.analyze(problem.salib, outputs, calc_second_order=False, conf_level=CONFIDENCE, seed=seed)
        columns = {"S1": found["S1"], "S1_conf": found["S1_conf"], "ST": found["ST"], "ST_conf": found["ST_conf"]}
    dataset = xr.Dataset({k: ("parameter", np.asarray(v, dtype=float)) for k, v in columns.items()},
                         coords={"parameter": names})
    dataset["low"] = ("parameter", [p.bounds[0] for p in problem.parameters])
    dataset["high"] = ("parameter", [p.bounds[1] for p in problem.parameters])
    dataset["default"] = ("parameter", [p.value for p in problem.parameters])
    dataset["unit"] = ("parameter", [p.unit for p in problem.parameters])
    dataset["log_sampled"] = ("parameter", problem.log.astype(np.int8))
    return dataset


def _points(problem: SensitivityProblem, samples: np.ndarray) -> list[dict[str, Any]]:
    values = problem.values(samples)
    return [{f"parameters.{p.key}": (float(v) if p.unit == "1" else f"{float(v)!r} {p.unit}")
             for p, v in zip(problem.parameters, row, strict=True)} for row in values]


def run_sensitivity(
    base: dict[str, Any],
    metric: str,
    out: str | Path,
    patterns: Sequence[str] = (),
    method: Literal["morris", "sobol"] = "morris",
    n: int = 8,
    seed: int = 0,
    quick: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    model: str | None = None,
) -> xr.Dataset:
    """Run a sensitivity analysis of ``metric`` of the scenario ``base``; returns the indices.

    Parameters
    ----------
    base : dict
        The scenario, as config data.
    metric : str
        A metric the scenario produces (``ketasim run`` writes them to ``metrics.json``).
    out : path
        The analysis directory; a rerun with the same settings resumes its runs.
    patterns : sequence of str
        Globs over parameter names (default: every fitted parameter).
    method : {"morris", "sobol"}
    n : int
        Morris trajectories, or Sobol's base sample size (a power of 2).
    seed : int
        Seed of the sampling and of the bootstrap intervals.
    quick, workers, scheduler, progress, model
        As for :func:`ketasim.sweep.execute.run_sweep`.

    Returns
    -------
    xarray.Dataset
        Over ``parameter``: the indices and their ``*_conf`` half-widths, the
        range and default of each parameter; ``attrs`` name the metric, method,
        sample size and run count.
    """
    from ketasim.sweep import parse_sweep, run_sweep

    if method not in METHODS:
        raise ConfigError("--method", str(method), f"allowed: {', '.join(METHODS)}")
    if not isinstance(n, int) or n < 2:
        raise ConfigError("--n", str(n), "expected a whole number >= 2")
    if method == "sobol" and n & (n - 1):
        raise ConfigError("--n", str(n), "Sobol sampling needs a power of 2 (e.g. 64, 128, 256)")
    problem = SensitivityProblem.of(select_parameters(patterns))
    if len(problem.parameters) < 2:
        raise ConfigError("--parameters", ", ".join(patterns), "select at least two parameters to compare")
    samples = plan(problem, method, n, seed)
    spec = parse_sweep({"base": base, "points": _points(problem, samples),
                        "description": f"{method} sensitivity of {metric}"}, source="<sensitivity>")
    out = Path(out)
    summary = run_sweep(spec, out / "runs", workers=workers, scheduler=scheduler, quick=quick, progress=progress,
                        model=model)
    results = xr.load_dataset(out / "runs" / "results.nc")
    if metric not in results.data_vars:
        metrics = sorted(str(v) for v in results.data_vars if v not in NOT_METRICS)
        raise ConfigError("--metric", metric, f"not a metric of this scenario; allowed: {', '.join(metrics)}")
    outputs = results[metric].values.astype(float)
    missing = np.flatnonzero(~np.isfinite(outputs))
    if missing.size:
        raise RuntimeError(f"{missing.size} of {outputs.size} runs gave no value of {metric} (failed runs are "
                           f"listed with their errors in {out / 'runs' / 'results.csv'}); rerun to retry them")
    indices = analyse(problem, method, samples, outputs, seed)
    # samples: SALib's rows; runs: the distinct scenarios they are (Morris trajectories revisit points).
    indices.attrs.update(metric=metric, method=method, n=n, samples=len(samples), runs=summary.total, seed=seed,
                         quick=int(quick),
                         confidence_level=CONFIDENCE, sampling="log-uniform where high/low >= 2 and low > 0, "
                                                               "else uniform, over each parameter's declared range")
    _write(indices, out)
    return indices


def _write(indices: xr.Dataset, out: Path) -> None:
    atomic_write(out / "sensitivity.nc", lambda p: indices.to_netcdf(p))
    def plain(value: Any) -> Any:  # JSON has no NaN: an index SALib could not estimate is null
        value = value.item() if hasattr(value, "item") else value
        return None if isinstance(value, float) and not math.isfinite(value) else value

    table = {"attrs": {k: plain(v) for k, v in indices.attrs.items()},
             "parameters": [{"parameter": str(name), **{k: plain(indices[k].values[i]) for k in indices.data_vars}}
                            for i, name in enumerate(indices["parameter"].values)]}
    text = json.dumps(table, indent=2, allow_nan=False)
    atomic_write_text(out / "sensitivity.json", text + "\n")
    figure = sensitivity_figure(indices)
    atomic_write(out / "sensitivity.png", lambda p: figure.savefig(p, dpi=120, format="png"))
    import matplotlib.pyplot as plt

    plt.close(figure)


def sensitivity_figure(indices: xr.Dataset):
    """Parameters ranked by their main index (Morris ``mu_star``, Sobol ``ST``), with 95 % intervals."""
    import matplotlib.pyplot as plt

    main = "mu_star" if "mu_star" in indices else "ST"
    order = np.argsort(indices[main].values)
    names = indices["parameter"].values[order]
    height = 0.8 if main == "mu_star" else 0.4
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.28 * len(names)), constrained_layout=True)
    y = np.arange(len(names))
    ax.barh(y, indices[main].values[order], height, xerr=indices[f"{main}_conf"].values[order], capsize=2,
            color="C0", label=main)
    if main == "ST":
        ax.barh(y - height, indices["S1"].values[order], height, xerr=indices["S1_conf"].values[order], capsize=2,
                color="C1", label="S1")
        ax.legend(frameon=False)
    ax.set_yticks(y - (height / 2 if main == "ST" else 0), names, fontsize=8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlabel(f"{main} of {indices.attrs.get('metric', '')} (95 % interval)")
    ax.set_title(f"{indices.attrs.get('method', '')}: {indices.attrs.get('runs', '')} runs")
    return fig
