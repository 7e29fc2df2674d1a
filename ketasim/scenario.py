"""Simulate scenarios: the entry point that commands, sweeps and experiments call.

:func:`simulate` runs one validated :class:`~ketasim.config.ScenarioConfig`
through the pipeline (:mod:`ketasim.pipeline`) and returns a
:class:`ScenarioResult` of labelled time series and metrics; :func:`simulate_many`
runs several with their circuit runs batched. Writing files is
:mod:`ketasim.outputs`' job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ketasim.config import ScenarioConfig
from ketasim.pipeline.exposure import time_grid
from ketasim.pipeline.products import CircuitSample
from ketasim.pipeline.runner import ScenarioResult, run_scenarios

__all__ = ["CircuitSample", "ScenarioResult", "simulate", "simulate_many", "time_grid"]


def simulate(
    config: ScenarioConfig,
    quick: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ScenarioResult:
    """Run a scenario.

    Parameters
    ----------
    config : ScenarioConfig
        A validated scenario (its ``parameters:`` overrides included).
    quick : bool
        Use the small, short circuit profile (tests, ``--quick``).
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    ScenarioResult
    """
    (result,) = simulate_many([config], quick, progress)
    return result


def simulate_many(
    configs: Sequence[ScenarioConfig],
    quick: bool = False,
    progress: Callable[[str], None] | None = None,
    copies: int | None = None,
) -> list[ScenarioResult]:
    """Run scenarios with every circuit stage batched over all of them; results in input order.

    Each result equals :func:`simulate`'s for the same config. Raises the
    first scenario's error, if any failed (a sweep, which records failures
    per point instead, calls :func:`ketasim.pipeline.run_scenarios`).
    """
    results = run_scenarios(configs, quick, progress, copies)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]
