"""What an experiment script uses: its profile, batched scenario runs and checks with stated criteria.

An experiment (``experiments/E01_*.py``) is a module with

``ID``, ``TITLE``, ``CLAIM``
    The effect's identifier, a short title and the review's claim.
``SOURCES``
    The papers the claim and its criterion come from.
``FITTED``
    Which model parameters were fitted to this effect ("none" if none).
``run(profile) -> Outcome``
    Runs the scenarios it needs and returns its checks and its figure.
``NOTE`` (optional)
    What the report should say besides the numbers, e.g. why a claim is
    left failing rather than bending the model.

Checks compare numbers the model produced against the claim with a stated
criterion: a direction and a minimum effect size, and (over seeds) a 95 % paired
t interval of the difference that excludes zero. Seeds are
paired: the same seed gives the same random inputs under every condition
(common random numbers), so seed-to-seed noise cancels in differences.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from ketasim.circuit.compiled import SINGLE_RUN_COPIES
from ketasim.config import parameters_as_data, validate_scenario
from ketasim.parameters import current
from ketasim.scenario import simulate_many

__all__ = ["Check", "Outcome", "Profile", "by_seed", "compare", "equivalent", "holds", "run_scenarios", "scenario"]

CONFIDENCE = 0.95
POWER = 0.8  # of a check at its minimum effect, for the seed count the report states
EQUIVALENCE_ALPHA = 0.05  # each one-sided test of an equivalence check (a 90 % interval)
QUICK_SEEDS = (0, 1, 2, 3)
FULL_SEEDS = tuple(range(10))


@dataclass(frozen=True)
class Profile:
    """How thoroughly to run: the quick profile (small networks, 4 seeds) or the full one (10 seeds).

    Attributes
    ----------
    quick : bool
        Small, short circuits (the ``--quick`` profile of ``ketasim run``).
    seeds : tuple of int
        Replicate seeds for effects that depend on noise.
    """

    quick: bool = False
    seeds: tuple[int, ...] = FULL_SEEDS

    @classmethod
    def make(cls, quick: bool) -> Profile:
        return cls(quick=quick, seeds=QUICK_SEEDS if quick else FULL_SEEDS)

    @property
    def name(self) -> str:
        return "quick" if self.quick else "full"


@dataclass(frozen=True)
class Check:
    """One claim checked against measured numbers.

    Attributes
    ----------
    claim : str
        What should hold (in words).
    criterion : str
        The test applied (direction, minimum effect, interval).
    measured : str
        The numbers the model produced.
    passed : bool
    value : float or None
        The number the criterion judges: for :func:`compare` the mean paired
        effect in the claimed direction (a fraction of the control with
        ``relative``), for :func:`holds` the measured value; None if not finite.
        Robustness analyses rank parameters by how they move it.
    """

    claim: str
    criterion: str
    measured: str
    passed: bool
    value: float | None = None  # the measured number the criterion judges (effect size in the claimed direction)


@dataclass
class Outcome:
    """What an experiment returns: its checks, its figure and the numbers behind them."""

    checks: list[Check]
    figure: Any  # a matplotlib Figure
    numbers: dict[str, Any] = field(default_factory=dict)
    ran_as: Profile | None = None  # the profile the scenarios ran in, if not the one the experiment was given

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)


# ------------------------------------------------------------------ scenarios
def scenario(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A scenario config (plain data) from ``base`` with top-level keys replaced by ``changes``."""
    data = copy.deepcopy(dict(base))
    data.update(copy.deepcopy(changes))
    return data


def run_scenarios(configs: Sequence[Mapping[str, Any]], profile: Profile,
                  progress: Callable[[str], None] | None = None) -> list:
    """Simulate scenarios (config data) in the profile; results in input order.

    The scenarios run through the pipeline together
    (:func:`ketasim.scenario.simulate_many`): each circuit stage's conditions
    of all scenarios go to the circuit engine in one call, as a sweep's chunk
    does. Each result equals a lone :func:`~ketasim.scenario.simulate` of its config.

    The scenarios run under the active parameter set (:func:`ketasim.parameters.using`,
    e.g. a robustness draw) with their own ``parameters:`` overrides on top.
    """
    active = current().overrides
    validated = [validate_scenario(under_active_set(dict(c), active), "<experiment scenario>") for c in configs]
    if progress:
        progress(f"{len(validated)} scenarios")
    return simulate_many(validated, quick=profile.quick, copies=SINGLE_RUN_COPIES)


def under_active_set(config: dict[str, Any], active: Mapping[str, float]) -> dict[str, Any]:
    """``config`` with the active set's overrides under its own ``parameters:`` (its own win)."""
    if active:
        config["parameters"] = {**parameters_as_data(active), **config.get("parameters", {})}
    return config


# --------------------------------------------------------------------- checks
def _fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1e4 else f"{x:.3e}"


def _interval(differences: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Paired t interval (95 % by default) of the mean of paired differences (degenerate for one value or no spread).

    Student's t, not a bootstrap: at the few seeds an arm runs a percentile
    bootstrap is too narrow (with n = 2 it takes only three distinct values);
    the t interval is exact for normal differences at any n.
    """
    d = np.asarray(differences, dtype=float)
    if d.size < 2 or np.ptp(d) == 0:
        return float(d.mean()), float(d.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    return float(d.mean()) - half, float(d.mean()) + half


def _paired(treatment: Iterable[float], control: Iterable[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Treatment, control and their paired differences as arrays (one value per seed, same seeds)."""
    t, c = np.asarray(list(treatment), float), np.asarray(list(control), float)
    if t.shape != c.shape or t.size == 0:
        raise ValueError("treatment and control need one value per seed each, the same seeds")
    return t, c, t - c


def seeds_for_power(sd: float, effect: float, power: float = POWER, max_seeds: int = 1000) -> int:
    """Paired seeds a check needs to detect ``effect`` with ``power`` at the spread ``sd`` of its differences.

    The smallest n ≥ 2 at which a paired t interval (95 %) excludes 0 with
    probability ``power`` when the true mean difference is ``effect`` and
    its SD ``sd`` (the noncentral t distribution; Cohen 1988, ch. 2).
    Deterministic differences (``sd`` 0 up to rounding) need 2; ``max_seeds`` caps the search.
    """
    effect, sd = abs(float(effect)), float(sd)
    if effect == 0 or not math.isfinite(effect) or not math.isfinite(sd):
        return max_seeds
    if sd <= 1e-9 * effect:  # deterministic up to rounding (the noncentral t is not finite there)
        return 2
    for n in range(2, max_seeds + 1):
        critical = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)
        if stats.nct.sf(critical, n - 1, effect * math.sqrt(n) / sd) >= power:
            return n
    return max_seeds


def compare(claim: str, treatment: Iterable[float], control: Iterable[float], direction: str,
            min_effect: float, unit: str = "", relative: bool = False) -> Check:
    """Check that ``treatment`` differs from ``control`` (paired by seed) in ``direction`` by at least ``min_effect``.

    Parameters
    ----------
    claim : str
        The claim in words.
    treatment, control : iterable of float
        One value per seed, same seed order.
    direction : {"lower", "higher"}
        The claimed sign of ``treatment - control``.
    min_effect : float
        Smallest mean difference that counts (≥ 0), in ``unit``; with
        ``relative`` it is a fraction of the control mean.
    unit : str
        Unit of the values, for the report.
    relative : bool
        Judge the effect as a fraction of the control mean.

    The check passes when the mean paired difference has the claimed sign,
    its size is at least ``min_effect``, and the 95 % paired t interval of
    the differences excludes zero. The report adds the seeds that 80 % power
    at ``min_effect`` needs with the measured spread (:func:`seeds_for_power`).
    """
    if direction not in ("lower", "higher"):
        raise ValueError(f"direction must be 'lower' or 'higher', not {direction!r}")
    t, c, d = _paired(treatment, control)
    sign = -1.0 if direction == "lower" else 1.0
    effect = float(d.mean())
    low, high = _interval(d)
    base = float(c.mean())
    size = sign * effect / abs(base) if relative and base != 0 else sign * effect
    excludes_zero = (high < 0) if direction == "lower" else (low > 0)
    passed = bool(size >= min_effect and excludes_zero and math.isfinite(effect))
    u = f" {unit}" if unit else ""
    need = f"{min_effect * 100:.0f} % of control" if relative else f"{_fmt(min_effect)}{u}"
    criterion = (f"{direction} by ≥ {need}, 95 % CI of the paired difference excludes 0"
                 if t.size > 1 else f"{direction} by ≥ {need}")
    rel = f" ({size * sign * 100:+.0f} %)" if relative else ""
    measured = (f"{_fmt(float(t.mean()))} vs {_fmt(base)}{u}: Δ = {_fmt(effect)}{rel} "
                f"[{_fmt(low)}, {_fmt(high)}], n = {t.size}")
    if t.size > 1 and min_effect > 0:
        absolute = min_effect * abs(base) if relative else min_effect
        needed = seeds_for_power(float(d.std(ddof=1)), absolute)
        measured += f" (80 % power at the minimum effect: n ≥ {needed})"
    return Check(claim, criterion, measured, passed, _finite(size))


def equivalent(claim: str, treatment: Iterable[float], control: Iterable[float], margin: float, unit: str = "",
               relative: bool = False, bound: str = "both") -> Check:
    """Check that ``treatment`` does *not* differ from ``control`` (paired by seed) by more than ``margin``.

    Two one-sided paired t-tests (TOST, Schuirmann 1987) at α = 0.05: the
    check passes when the 90 % paired t interval of the differences lies
    inside ``(-margin, +margin)``. A small mean alone is not evidence of no
    effect; with too few seeds or too much spread the interval reaches past
    the margin and the check fails.

    Parameters
    ----------
    claim, treatment, control
        As for :func:`compare`.
    margin : float
        Largest difference that counts as no effect (> 0), in ``unit``; with
        ``relative`` a fraction of the control mean.
    unit : str
        Unit of the values, for the report.
    relative : bool
        Judge the difference as a fraction of the control mean.
    bound : {"both", "upper", "lower"}
        ``upper``: only "not higher by more than ``margin``" (a one-sided
        non-inferiority test when higher is worse); ``lower`` the mirror.
    """
    if bound not in ("both", "upper", "lower"):
        raise ValueError(f"bound must be 'both', 'upper' or 'lower', not {bound!r}")
    if not margin > 0:
        raise ValueError(f"margin must be > 0, not {margin!r}")
    t, c, d = _paired(treatment, control)
    base = float(c.mean())
    scale = abs(base) if relative and base != 0 else 1.0
    effect = float(d.mean())
    low, high = _interval(d, confidence=1 - 2 * EQUIVALENCE_ALPHA)
    inside = {"both": -margin < low / scale and high / scale < margin, "upper": high / scale < margin,
              "lower": -margin < low / scale}[bound]
    passed = bool(inside and math.isfinite(effect) and t.size > 1)
    u = f" {unit}" if unit else ""
    m = f"{margin * 100:.0f} % of control" if relative else f"{_fmt(margin)}{u}"
    side = {"both": f"inside ±{m}", "upper": f"below +{m}", "lower": f"above −{m}"}[bound]
    criterion = f"no effect: 90 % CI of the paired difference {side} (TOST, α = 0.05)"
    rel = f" ({effect / scale * 100:+.0f} %)" if relative else ""
    measured = (f"{_fmt(float(t.mean()))} vs {_fmt(base)}{u}: Δ = {_fmt(effect)}{rel} "
                f"[{_fmt(low)}, {_fmt(high)}] (90 % CI), n = {t.size}")
    return Check(claim, criterion, measured, passed, _finite(effect / scale))


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(float(value)) else None


def holds(claim: str, value: float, criterion: str, passed: bool, unit: str = "") -> Check:
    """A check of one measured number against a stated criterion (e.g. a deterministic ODE output)."""
    u = f" {unit}" if unit else ""
    return Check(claim, criterion, f"{_fmt(float(value))}{u}", bool(passed and math.isfinite(float(value))),
                 _finite(value))


def by_seed(results: Sequence, metric: str) -> np.ndarray:
    """One metric from a list of results (e.g. one per seed); raises if a result lacks it."""
    missing = [i for i, r in enumerate(results) if metric not in r.metrics]
    if missing:
        raise KeyError(f"metric {metric!r} missing from {len(missing)} of {len(results)} results")
    return np.array([r.metrics[metric] for r in results], dtype=float)
