"""Run scenarios through the stages: one scenario, or many in lockstep with their circuit runs batched.

:func:`run_scenarios` is the only orchestrator: ``ketasim run``
(:func:`ketasim.scenario.simulate`), a sweep's chunk of points and a
reproduction's batch of scenarios all call it. It takes the stages of
:data:`~ketasim.pipeline.stages.STAGES` in order; at a circuit stage it
collects every scenario's request and hands them to the circuit engine in one
call (grouped by the circuit layer's parameter overrides, since those are
compiled into the network). Each scenario runs with its own parameter set
active (:func:`ketasim.parameters.using`). A scenario whose stage fails
becomes that exception in the output; the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from ketasim.circuit.engine import simulate_requests
from ketasim.config import ScenarioConfig
from ketasim.parameters import ParameterSet, using
from ketasim.pipeline.products import CircuitSample, Exposure, Product, StageInputs, unit_of
from ketasim.pipeline.stages import STAGES, Stage

__all__ = ["ScenarioResult", "run_scenarios"]


@dataclass
class ScenarioResult:
    """Everything one scenario produced.

    Attributes
    ----------
    config : ScenarioConfig
        The validated config.
    timeseries : dict of str to ndarray
        ``time_h`` and one column per state, on a shared grid (units: :attr:`units`).
    metrics : dict of str to float
        Flat, NaN-free numbers; inapplicable metrics are absent.
    circuit : list of CircuitSample
        The PFC circuit moments simulated (drug-free first); empty in vitro.
    in_vitro : bool
        A slice scenario: the in-vivo stages did not run.
    figures : dict of str to callable
        Extra figure file name → () -> Figure.
    parameters : ParameterSet
        The parameters the scenario ran with (defaults plus its overrides).
    products : dict of str to Product
        Every stage's product, by stage name.
    """

    config: ScenarioConfig
    timeseries: dict[str, np.ndarray]
    metrics: dict[str, float]
    circuit: list[CircuitSample] = field(default_factory=list)
    in_vitro: bool = False
    figures: dict[str, Callable[[], Any]] = field(default_factory=dict)
    parameters: ParameterSet = field(default_factory=ParameterSet)
    products: dict[str, Product] = field(default_factory=dict)

    @property
    def units(self) -> dict[str, str]:
        """Unit of every time-series column (``"1"``: dimensionless)."""
        return {name: unit_of(name) for name in self.timeseries}


@dataclass
class _Run:
    config: ScenarioConfig
    parameters: ParameterSet
    products: dict[str, Product] = field(default_factory=dict)
    error: Exception | None = None

    def inputs(self, stage: Stage, quick: bool) -> StageInputs:
        return StageInputs(stage.name, self.config, quick, {name: self.products[name]
                                                            for name in stage.reads if name in self.products})


def run_scenarios(
    configs: Sequence[ScenarioConfig],
    quick: bool = False,
    progress: Callable[[str], None] | None = None,
    copies: int | None = None,
) -> list[ScenarioResult | Exception]:
    """Run scenarios through every stage; one result (or the exception that stopped it) per config, in order.

    Parameters
    ----------
    configs : sequence of ScenarioConfig
        Validated scenarios; each carries its own parameter overrides.
    quick : bool
        The quick profile (small, short circuits).
    progress : callable, optional
        Called with a short message as each stage starts.
    copies : int, optional
        Copies per compiled circuit run (default: the engine chooses).
    """
    say = progress or (lambda message: None)
    runs = [_Run(c, ParameterSet(c.parameters)) for c in configs]
    for stage in STAGES:
        active = [r for r in runs if r.error is None and _applies(stage, r)]
        if not active:
            continue
        say(stage.name if len(runs) == 1 else f"{stage.name} ({len(active)} of {len(runs)} scenarios)")
        if stage.is_circuit:
            _circuit_stage(stage, active, quick, copies)
            continue
        assert stage.run is not None  # a stage either runs or requests circuit runs
        if stage.prepare is not None:
            _prepare(stage, active, quick)
        for run in active:
            try:
                with using(run.parameters):
                    run.products[stage.name] = stage.run(run.inputs(stage, quick))
            except Exception as exc:  # recorded; the other scenarios go on
                run.error = exc
    return [run.error if run.error is not None else _result(run) for run in runs]


def _applies(stage: Stage, run: _Run) -> bool:
    return stage.applies(run.config, run.products.get("exposure"))  # type: ignore[arg-type]


def _by_parameters(runs: list[_Run]) -> list[list[_Run]]:
    """The runs grouped by their parameter set's overrides, in first-seen order."""
    groups: dict[str, list[_Run]] = {}
    for run in runs:
        groups.setdefault(run.parameters.digest(), []).append(run)
    return list(groups.values())


def _prepare(stage: Stage, runs: list[_Run], quick: bool) -> None:
    """A stage's batched work across the scenarios of each parameter set (see :class:`Stage`)."""
    assert stage.prepare is not None
    for group in _by_parameters(runs):
        try:
            with using(group[0].parameters):
                stage.prepare([run.inputs(stage, quick) for run in group])
        except Exception:  # each scenario's run then does its own work and reports its own error
            pass


def _circuit_stage(stage: Stage, runs: list[_Run], quick: bool, copies: int | None) -> None:
    assert stage.request is not None and stage.finish is not None
    wanted: list[tuple[_Run, Any]] = []
    for run in runs:
        try:
            with using(run.parameters):
                request = stage.request(run.inputs(stage, quick))
        except Exception as exc:
            run.error = exc
            continue
        if request is not None:
            wanted.append((run, request))
    # Circuit overrides are compiled into the network: one engine call per circuit parameter set.
    groups: dict[str, list[tuple[_Run, Any]]] = {}
    for run, request in wanted:
        groups.setdefault(run.parameters.digest("circuit"), []).append((run, request))
    for group in groups.values():
        try:
            with using(group[0][0].parameters):
                readouts = simulate_requests([(r.network, r.seed, r.conditions) for _, r in group], copies)
        except Exception as exc:
            for run, _ in group:
                run.error = exc
            continue
        for (run, request), out in zip(group, readouts, strict=True):
            try:
                with using(run.parameters):
                    run.products[stage.name] = stage.finish(run.inputs(stage, quick), request, out)
            except Exception as exc:
                run.error = exc


def _result(run: _Run) -> ScenarioResult:
    timeseries: dict[str, np.ndarray] = {}
    metrics: dict[str, float] = {}
    samples: list[CircuitSample] = []
    for product in run.products.values():
        timeseries.update(product.columns)
        metrics.update(product.metrics)
        samples.extend(getattr(product, "samples", ()))
    exposure = run.products["exposure"]
    assert isinstance(exposure, Exposure)
    result = ScenarioResult(
        run.config, timeseries, {k: float(v) for k, v in metrics.items() if np.isfinite(v)}, samples,
        in_vitro=exposure.in_vitro, parameters=run.parameters, products=dict(run.products),
    )
    for product in run.products.values():
        for name, draw in product.figures.items():
            result.figures[name] = partial(_draw, draw, result)
    return result


def _draw(draw: Callable[[ScenarioResult], Any], result: ScenarioResult) -> Any:
    """A stage's figure, drawn (whenever the caller asks) with the parameters the scenario ran with."""
    with using(result.parameters):
        return draw(result)
