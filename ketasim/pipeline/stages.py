"""The one ordered list of stages a scenario runs through, each declaring what it reads and writes.

=================  =========================  ==============  =====================================
stage              reads                      writes          runs when
=================  =========================  ==============  =====================================
``exposure``       (the config)               exposure        always
``circuit``        exposure                   circuit         in vivo (engine request)
``signalling``     exposure, circuit          signalling      in vivo
``later_circuit``  exposure, signalling       later_circuit   in vivo, a dose ≥ 24 h before the end
``plasticity``     exposure                   plasticity      ``slice`` / ``lhb_recording`` events
``fear``           exposure, signalling       fear            fear events
``clinical``       exposure, signalling       clinical        ``species: human``
``forced_swim``    exposure, signalling       forced_swim     ``forced_swim`` / ``stress`` events
=================  =========================  ==============  =====================================

A stage either computes its product (``run``) or asks the circuit engine for
conditions (``request``, then ``finish`` with the readouts), so that the
runner can batch every scenario's circuit conditions into one engine call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ketasim.circuit.pfc import CircuitReadout
from ketasim.config import ScenarioConfig
from ketasim.pipeline.circuit_stages import (
    circuit_finish,
    circuit_request,
    later_finish,
    later_request,
)
from ketasim.pipeline.exposure import exposure
from ketasim.pipeline.fear_stage import fear
from ketasim.pipeline.plasticity_stage import plasticity, prepare_slices
from ketasim.pipeline.products import CircuitRequest, Exposure, Product, StageInputs
from ketasim.pipeline.protocol_stages import clinical, forced_swim
from ketasim.pipeline.signalling_stage import cascade
from ketasim.protocols.fear import FEAR_EVENTS

__all__ = ["STAGES", "Stage"]


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    Attributes
    ----------
    name : str
        Also the name of the product it writes.
    reads : tuple of str
        The products it reads (a read of anything else is an error).
    applies : callable
        ``(config, exposure) -> bool``: whether the scenario needs this stage.
    run : callable, optional
        ``(inputs) -> Product``.
    request, finish : callable, optional
        A circuit stage: ``request(inputs) -> CircuitRequest | None`` and
        ``finish(inputs, request, readouts) -> Product``.
    prepare : callable, optional
        ``(inputs of every scenario of one parameter set) -> None``, called
        before ``run`` is called on each: a stage batches work across
        scenarios there (``run`` must give the same product without it).
    """

    name: str
    reads: tuple[str, ...]
    applies: Callable[[ScenarioConfig, Exposure], bool]
    run: Callable[[StageInputs], Product] | None = None
    request: Callable[[StageInputs], CircuitRequest | None] | None = None
    finish: Callable[[StageInputs, CircuitRequest, list[CircuitReadout]], Product] | None = None
    prepare: Callable[[list[StageInputs]], None] | None = None

    @property
    def is_circuit(self) -> bool:
        return self.request is not None


def _in_vivo(config: ScenarioConfig, exposure: Exposure) -> bool:
    return not exposure.in_vitro


def _has_events(*names: str) -> Callable[[ScenarioConfig, Exposure], bool]:
    return lambda config, exposure: any(e.event in names for e in config.protocol)


def _always(config: ScenarioConfig, exposure: Exposure | None) -> bool:
    return True


def _human(config: ScenarioConfig, exposure: Exposure) -> bool:
    return config.species == "human" and not exposure.in_vitro


STAGES: tuple[Stage, ...] = (
    Stage("exposure", (), _always, run=lambda inputs: exposure(inputs.config)),
    Stage("circuit", ("exposure",), _in_vivo, request=circuit_request, finish=circuit_finish),
    Stage("signalling", ("exposure", "circuit"), _in_vivo, run=cascade),
    Stage("later_circuit", ("exposure", "signalling"), _in_vivo, request=later_request, finish=later_finish),
    Stage("plasticity", ("exposure",), _has_events("slice", "lhb_recording"), run=plasticity,
          prepare=prepare_slices),
    Stage("fear", ("exposure", "signalling"), _has_events(*FEAR_EVENTS), run=fear),
    Stage("clinical", ("exposure", "signalling"), _human, run=clinical),
    Stage("forced_swim", ("exposure", "signalling"), _has_events("forced_swim", "stress"), run=forced_swim),
)
"""The pipeline, in order; a stage's name is also its product's."""
