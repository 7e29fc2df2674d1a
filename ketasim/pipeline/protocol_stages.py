"""The clinical and forced-swim stages: readouts derived from the cascade's synaptic state.

Both read the exposure and the signalling cascade; the models are
:mod:`ketasim.protocols.clinical` and :mod:`ketasim.protocols.forced_swim`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ketasim.config import ScenarioConfig
from ketasim.pipeline.products import Product, StageInputs
from ketasim.protocols import clinical as clinical_model
from ketasim.protocols import forced_swim as forced_swim_model

__all__ = ["clinical", "forced_swim"]


@dataclass
class _View:
    """The inputs as the protocol models' ``run`` reads them (columns of the products it declared)."""

    config: ScenarioConfig
    timeseries: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    in_vitro: bool = False


def _legacy(model_run, inputs: StageInputs) -> Product:
    columns = {k: v for p in inputs.products.values() for k, v in p.columns.items()}
    view = _View(inputs.config, dict(columns))
    model_run(inputs.config, view, inputs.quick, lambda message: None)
    new = {k: v for k, v in view.timeseries.items() if k not in columns}
    figures = {name: (lambda result, make=make: make()) for name, make in view.figures.items()}
    return Product(columns=new, metrics=view.metrics, figures=figures)


def clinical(inputs: StageInputs) -> Product:
    """The start state and the 0-100 symptom score of a human subject."""
    return _legacy(clinical_model.run, inputs)


def forced_swim(inputs: StageInputs) -> Product:
    """Immobility at every forced-swim test and spine density after stress."""
    return _legacy(forced_swim_model.run, inputs)
