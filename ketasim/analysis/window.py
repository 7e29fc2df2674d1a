"""Where an effect is significant: per-point effects against a control, with FDR control.

For every grid point (all axes except the replicate axis, usually ``seed``)
the effect is the difference of the metric's mean over replicates from the
control's mean, the control being the same point with one axis set to its
control value (e.g. dose 0 mg/kg at the same time after conditioning). Each
effect gets a percentile-bootstrap 95 % confidence interval (resampling
replicates within each group; per point, *not* adjusted for multiplicity,
whatever ``alpha`` is) and a permutation-test p-value (replicates
exchanged between the two groups; one-sided in the stated direction). The
p-values of all points are corrected together with Benjamini–Hochberg; the
*window* is the set of points whose adjusted p (q) is at most ``alpha`` with
the effect in the stated direction. The two levels are separate and both
are reported: a 95 % interval may exclude 0 at a point outside the window.
Runs that failed, never ran or gave no value of the metric are left out of
their groups and listed in the report.

Replicates are treated as independent animals (an unpaired design), which
is valid whatever the seeds share. With n replicates per group the smallest
one-sided permutation p-value is 1 / C(2n, n): 0.05 for n = 3, 0.014 for
n = 4, 0.004 for n = 5; a sweep needs enough seeds for any point to pass
the corrected threshold, and the summary says so when it cannot.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from ketasim.analysis.figure import plain, window_figure
from ketasim.config import ConfigError
from ketasim.outputs import atomic_write, atomic_write_text
from ketasim.sweep.export import NOT_METRICS
from ketasim.sweep.spec import CANONICAL_UNITS, POINT_DIM
from ketasim.sweep.store import SweepStore
from ketasim.units import UnitError, parse_quantity

__all__ = ["EFFECT_FIELDS", "MIN_RESAMPLES", "PointEffect", "effect_statistics", "run_window", "window_analysis"]

MIN_RESAMPLES = 99  # fewer cannot give a permutation p below 0.01 nor a usable percentile interval

DIRECTIONS = ("lower", "higher", "either")
_ALTERNATIVE = {"lower": "less", "higher": "greater", "either": "two-sided"}
CONFIDENCE = 0.95


@dataclass
class PointEffect:
    """One grid point against its control."""

    coords: dict[str, Any]
    n_treatment: int
    n_control: int
    treatment_mean: float
    control_mean: float
    effect: float
    ci_low: float
    ci_high: float
    p: float
    q: float = math.nan
    significant: bool = False


# A point's statistics in window.json (besides its coordinates): every field of PointEffect but coords.
EFFECT_FIELDS = tuple(f.name for f in fields(PointEffect) if f.name != "coords")


def _mean_difference(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def effect_statistics(treatment: np.ndarray, control: np.ndarray, direction: str = "either",
                      resamples: int = 9999, rng: np.random.Generator | None = None) -> tuple[float, float, float, float]:
    """Effect (mean difference), bootstrap 95 % CI and permutation p-value.

    Parameters
    ----------
    treatment, control : ndarray
        Replicate values of the two groups (NaN-free, at least 2 each).
    direction : {"lower", "higher", "either"}
        Alternative hypothesis of the permutation test.
    resamples : int
        Bootstrap resamples; permutation resamples (exact when there are fewer permutations).
    rng : numpy.random.Generator

    Returns
    -------
    effect, ci_low, ci_high, p : float
    """
    from scipy import stats

    rng = rng if rng is not None else np.random.default_rng(0)
    x, y = np.asarray(treatment, float), np.asarray(control, float)
    effect = float(x.mean() - y.mean())
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        low = high = effect  # no replicate variation: every resample gives the same difference
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = stats.bootstrap((x, y), _mean_difference, n_resamples=resamples, vectorized=True,
                                 confidence_level=CONFIDENCE, method="percentile", rng=rng).confidence_interval
        low, high = float(ci.low), float(ci.high)
    test = stats.permutation_test((x, y), _mean_difference, permutation_type="independent", vectorized=True,
                                  n_resamples=resamples, alternative=_ALTERNATIVE[direction], rng=rng)
    return effect, low, high, float(min(1.0, test.pvalue))


def smallest_p(n_treatment: int, n_control: int, direction: str) -> float:
    """The smallest permutation p-value reachable with these group sizes (exact test)."""
    one_sided = 1.0 / math.comb(n_treatment + n_control, n_treatment)
    return min(1.0, one_sided * (2 if direction == "either" else 1))


def window_analysis(dataset, metric: str, control_key: str, control_value: Any, direction: str = "either",
                    alpha: float = 0.05, replicates: str = "seed", resamples: int = 9999,
                    seed: int = 0) -> list[PointEffect]:
    """Effects, CIs, p and BH q-values of every non-control grid point.

    ``dataset`` is a sweep's results (an :class:`xarray.Dataset` with the
    replicate axis as a dim); ``control_value`` is a coordinate value of
    ``control_key`` (already in the coordinate's units).
    """
    from scipy.stats import false_discovery_control

    data = dataset[metric]
    others = [d for d in data.dims if d not in (replicates, control_key)]
    data = data.transpose(*others, control_key, replicates)
    values = data.values
    coords = {d: dataset[d].values for d in data.dims}
    control_index = _index_of(coords[control_key], control_value)
    rng = np.random.default_rng(seed)
    effects: list[PointEffect] = []
    for outer in np.ndindex(*values.shape[:-2]):
        control = values[outer + (control_index,)]
        control = control[np.isfinite(control)]
        for j in range(values.shape[-2]):
            if j == control_index:
                continue
            treatment = values[outer + (j,)]
            treatment = treatment[np.isfinite(treatment)]
            point = {d: plain(coords[d][i]) for d, i in zip(others, outer, strict=True)}
            point[control_key] = plain(coords[control_key][j])
            if treatment.size < 2 or control.size < 2:
                effects.append(PointEffect(point, treatment.size, control.size, _mean(treatment), _mean(control),
                                           _mean(treatment) - _mean(control), math.nan, math.nan, math.nan))
                continue
            effect, low, high, p = effect_statistics(treatment, control, direction, resamples, rng)
            effects.append(PointEffect(point, treatment.size, control.size, float(treatment.mean()),
                                       float(control.mean()), effect, low, high, p))
    tested = [e for e in effects if np.isfinite(e.p)]
    if tested:
        q = false_discovery_control([e.p for e in tested], method="bh")
        for e, qi in zip(tested, q, strict=True):
            e.q = float(qi)
            right_way = {"lower": e.effect < 0, "higher": e.effect > 0, "either": e.effect != 0}[direction]
            e.significant = bool(qi <= alpha and right_way)
    return effects


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else math.nan


def _index_of(values: np.ndarray, wanted: Any) -> int:
    if values.dtype.kind in "fiu":
        hits = np.flatnonzero(np.isclose(values.astype(float), float(wanted), rtol=1e-9, atol=1e-12))
    else:
        hits = np.flatnonzero(values.astype(str) == str(wanted))
    if not hits.size:
        raise KeyError(wanted)
    return int(hits[0])


# ------------------------------------------------------------------ command
def _load_results(sweep_dir: Path):
    import xarray as xr

    SweepStore.open_existing(sweep_dir).close()  # a clear error for a foreign or corrupted directory
    path = sweep_dir / "results.nc"
    if not path.is_file():
        raise ConfigError(str(sweep_dir), "", "has no results.nc yet; rerun 'ketasim sweep' to finish and export it")
    try:
        return xr.load_dataset(path, engine="scipy")
    except Exception as exc:
        raise ConfigError(str(path), "", f"cannot read it ({type(exc).__name__}); rerun 'ketasim sweep' to re-export") from None


def _parse_control(dataset, control: str, replicates: str) -> tuple[str, Any]:
    if "=" not in control:
        raise ConfigError("--control", control, "expected KEY=VALUE, e.g. dosing.0.dose='0 mg/kg'")
    key, raw = (part.strip() for part in control.split("=", 1))
    axes = [d for d in dataset.dims if d not in (replicates, POINT_DIM)]
    if key not in axes:
        raise ConfigError("--control", key, f"not a grid axis of this sweep; allowed: {', '.join(axes) or 'none'}")
    coordinate = dataset[key]
    unit = coordinate.attrs.get("units", "")
    allowed = ", ".join(f"{plain(v)!s}{' ' + unit if unit else ''}" for v in coordinate.values)
    try:
        if unit:
            kind = next(k for k, u in CANONICAL_UNITS.items() if u == unit)
            value: Any = parse_quantity(raw.strip("'\""), kind)
        elif coordinate.dtype.kind in "fiu":
            value = float(raw)
        else:
            value = raw.strip("'\"")
        _index_of(coordinate.values, value)
    except (UnitError, ValueError, StopIteration, KeyError):
        raise ConfigError("--control", key, f"value {raw!r} is not on the axis; allowed: {allowed}") from None
    return key, value


def run_accounting(dataset, metric: str) -> dict[str, Any]:
    """Runs of the sweep left out of the analysis: failed, not run, or done without a value of ``metric``.

    Returns counts (``done``, ``failed``, ``not_run``, ``no_value``) and, for
    each kind left out, the coordinates of every such run.
    """
    values = dataset[metric]
    status = dataset["status"].transpose(*values.dims).values if "status" in dataset else np.ones(values.shape)
    finite = np.isfinite(values.values)
    kinds = {"failed": status == 2, "not_run": status == 0, "no_value": (status == 1) & ~finite}
    coords = {d: dataset[d].values for d in values.dims}

    def where(mask) -> list[dict[str, Any]]:
        return [{d: plain(coords[d][i]) for d, i in zip(values.dims, index, strict=True)}
                for index in zip(*np.nonzero(mask), strict=True)]

    return {"done": int(((status == 1) & finite).sum()), **{k: int(m.sum()) for k, m in kinds.items()},
            "left_out": {k: where(m) for k, m in kinds.items() if m.any()}}


def _finite(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python, NaN to null."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _format_number(value: float) -> str:
    return "nan" if not np.isfinite(value) else f"{value:.4g}"


def _markdown(report: dict[str, Any], effects: list[PointEffect]) -> str:
    lines = [
        f"# Window: {report['metric']}",
        "",
        f"Sweep `{report['sweep_dir']}`; control {report['control']['key']} = {report['control']['value']}"
        f"{' ' + report['control']['units'] if report['control']['units'] else ''}; "
        f"replicates over `{report['replicates']}`; direction {report['direction']}; "
        f"Benjamini–Hochberg at alpha = {report['alpha']:g} over {report['n_tested']} tested points.",
        "",
        f"**{report['n_significant']} of {report['n_points']} points are in the window.** "
        f"Effects are differences of means from the control (metric units), with percentile-bootstrap "
        f"{CONFIDENCE * 100:g} % intervals and permutation p-values ({report['resamples']} resamples). "
        f"The intervals are {CONFIDENCE * 100:g} % per point, not adjusted for multiplicity; the window uses "
        f"BH-adjusted q <= {report['alpha']:g}, so the two can disagree.",
        "",
    ]
    runs = report["runs"]
    left_out = runs["failed"] + runs["not_run"] + runs["no_value"]
    if left_out:
        lines += [f"> {left_out} of {left_out + runs['done']} runs are left out: {runs['failed']} failed, "
                  f"{runs['not_run']} not run, {runs['no_value']} gave no value of {report['metric']} "
                  "(listed in window.json under runs.left_out; errors in the sweep's results.csv). "
                  "Their groups have fewer replicates (n_treatment, n_control).", ""]
    if report["smallest_reachable_p"] > report["alpha"]:
        lines += [f"> With {report['replicates_per_group']} replicates per group no permutation p-value can be below "
                  f"{report['smallest_reachable_p']:.3g}, above alpha: add seeds to the sweep.", ""]
    keys = list(effects[0].coords) if effects else []
    lines.append("| " + " | ".join([*keys, "effect", f"{CONFIDENCE * 100:g} % CI", "p", "q", "window"]) + " |")
    lines.append("|" + "---|" * (len(keys) + 5))
    for e in effects:
        lines.append("| " + " | ".join([*[str(e.coords[k]) for k in keys], _format_number(e.effect),
                                        f"[{_format_number(e.ci_low)}, {_format_number(e.ci_high)}]",
                                        _format_number(e.p), _format_number(e.q), "yes" if e.significant else ""]) + " |")
    return "\n".join(lines) + "\n"


def run_window(sweep_dir: str | Path, metric: str, control: str, alpha: float = 0.05, direction: str = "either",
               replicates: str = "seed", axes: Sequence[str] | None = None, resamples: int = 9999, seed: int = 0,
               out: str | Path | None = None) -> dict[str, Any]:
    """``ketasim window``: statistics, ``window.json``, ``window.md`` and ``window.png``.

    Returns the report written to ``window.json`` plus ``out`` (the directory).
    """
    # The command line checks these too; here for callers from Python.
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise ConfigError("--alpha", repr(alpha), "expected a number between 0 and 1")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError("--seed", repr(seed), "expected a whole number >= 0")
    if not isinstance(resamples, int) or isinstance(resamples, bool) or resamples < MIN_RESAMPLES:
        raise ConfigError("--resamples", repr(resamples), f"expected a whole number >= {MIN_RESAMPLES}")
    sweep_dir = Path(sweep_dir)
    dataset = _load_results(sweep_dir)
    metrics = [v for v in dataset.data_vars if v not in NOT_METRICS]
    if metric not in metrics:
        raise ConfigError("--metric", metric, f"not a metric of this sweep; allowed: {', '.join(metrics) or 'none'}")
    if direction not in DIRECTIONS:
        raise ConfigError("--direction", direction, f"allowed: {', '.join(DIRECTIONS)}")
    if POINT_DIM in dataset.dims:
        raise ConfigError(str(sweep_dir), "", "window needs a grid sweep (this one has sampled or listed points)")
    if replicates not in dataset.dims:
        raise ConfigError("--replicates", replicates, f"not an axis of this sweep; allowed: {', '.join(map(str, dataset.dims))}"
                          " (add e.g. 'seed: [0, 1, 2, 3, 4]' to the grid)")
    if control.partition("=")[0].strip() == replicates:
        raise ConfigError("--control", replicates, "is the replicate axis (--replicates); give another axis")
    key, value = _parse_control(dataset, control, replicates)
    plot_axes = [d for d in dataset[metric].dims if d != replicates]
    if axes is not None:
        for name in axes:
            if name not in plot_axes:
                raise ConfigError("--axes", name, f"not a grid axis; allowed: {', '.join(plot_axes)}")
        if axes[0] == axes[1]:
            raise ConfigError("--axes", axes[0], "give two different axes")
        plot_axes = list(axes) + [d for d in plot_axes if d not in axes]
    else:
        plot_axes = [key] + [d for d in plot_axes if d != key]
    out = Path(out) if out is not None else sweep_dir / "window" / metric
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "exists and is not a directory")

    effects = window_analysis(dataset, metric, key, value, direction, alpha, replicates, resamples, seed)
    runs = run_accounting(dataset, metric)
    tested = [e for e in effects if np.isfinite(e.p)]
    per_group = min((min(e.n_treatment, e.n_control) for e in tested), default=0)
    unit = dataset[key].attrs.get("units", "")
    report: dict[str, Any] = {
        "metric": metric,
        "sweep_dir": str(sweep_dir),
        "control": {"key": key, "value": plain(value), "units": unit},
        "replicates": replicates,
        "replicates_per_group": per_group,
        "direction": direction,
        "alpha": alpha,
        "correction": "benjamini-hochberg",
        "significance": f"BH-adjusted q <= alpha ({alpha:g}), effect in the stated direction",
        "confidence_level": CONFIDENCE,
        "confidence_interval": f"percentile bootstrap, {CONFIDENCE * 100:g} % per point, not adjusted for "
                               "multiplicity (independent of alpha)",
        "runs": runs,
        "resamples": resamples,
        "seed": seed,
        "n_points": len(effects),
        "n_tested": len(tested),
        "n_significant": sum(e.significant for e in effects),
        "smallest_reachable_p": smallest_p(per_group, per_group, direction) if per_group else 1.0,
        "units": {d: dataset[d].attrs.get("units", "") for d in dataset[metric].dims},
        "points": [{**e.coords, **{name: getattr(e, name) for name in EFFECT_FIELDS}} for e in effects],
        "window": [e.coords for e in effects if e.significant],
    }
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_finite(report), indent=2, allow_nan=False)
    atomic_write_text(out / "window.json", text + "\n")
    atomic_write_text(out / "window.md", _markdown(report, effects))
    figure = window_figure(dataset, effects, report, plot_axes)
    atomic_write(out / "window.png", lambda p: figure.savefig(p, dpi=120, format="png"))
    import matplotlib.pyplot as plt

    plt.close(figure)
    return {**report, "out": str(out)}
