"""The typed products that flow between the pipeline's stages.

Each stage writes one product and reads the products of earlier stages
(:mod:`ketasim.pipeline.stages` declares which). A product holds

- ``columns``: time series on the scenario's grid (``time_h`` is the
  exposure's), named as in ``timeseries.csv``, each with a unit in
  :data:`UNITS` or dimensionless;
- ``metrics``: flat numbers for ``metrics.json``;
- ``figures``: extra figure files, each drawn from the finished result.

A stage reads an upstream series through :meth:`StageInputs.series`, which
raises :class:`MissingInput` naming the stage and the series when no product
it declared holds it: nothing falls back to a drug-free value silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ketasim.circuit.pfc import CircuitCondition, CircuitReadout, PFCConfig
from ketasim.config import ScenarioConfig

__all__ = [
    "UNITS",
    "CircuitReadouts",
    "CircuitSample",
    "Exposure",
    "MissingInput",
    "Moment",
    "PipelineError",
    "Product",
    "StageInputs",
]

UNITS = {
    "time_h": "h",
    "plasma_ketamine_uM": "uM",
    "brain_ketamine_uM": "uM",
    "receptor_ketamine_uM": "uM",
}
"""Units of the columns that carry one; ``*_uM`` columns are µM, every other column is dimensionless
(fractions 0-1, or states relative to the drug-free baseline = 1)."""


def unit_of(column: str) -> str:
    """The unit of a time-series column (``"1"`` for dimensionless)."""
    if column in UNITS:
        return UNITS[column]
    return "uM" if column.endswith("_uM") else "1"


class PipelineError(RuntimeError):
    """The pipeline was wired wrongly (a stage's input is missing); a bug, not bad user input."""


class MissingInput(PipelineError):
    """A stage asked for a series or product that no stage it reads from produced."""

    def __init__(self, stage: str, what: str, searched: tuple[str, ...]):
        self.stage, self.what, self.searched = stage, what, searched
        super().__init__(f"stage {stage!r} needs {what!r}, which none of the products it reads "
                         f"({', '.join(searched) or 'none'}) holds")


@dataclass
class Product:
    """What one stage produced: series on the scenario grid, metrics and extra figures."""

    columns: dict[str, np.ndarray] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Callable[[Any], Any]] = field(default_factory=dict)  # file name -> (result) -> Figure


@dataclass(frozen=True)
class Moment:
    """A quasi-static moment of the PFC circuit: when, and the NMDAR block of each cell type then.

    Attributes
    ----------
    label : str
        ``drug_free``, ``peak``, ``decay_50``, ``decay_20``, ``synaptic_24h``.
    time_h : float
        When (h from time zero); NaN for the drug-free moment.
    block_pyramidal, block_interneuron : float
        Fractional NMDAR block (0-1).
    apv_occupancy : float
        NMDARs held shut by bath APV (0-1).
    """

    label: str
    time_h: float
    block_pyramidal: float = 0.0
    block_interneuron: float = 0.0
    apv_occupancy: float = 0.0


DRUG_FREE = Moment("drug_free", float("nan"))


@dataclass
class Exposure(Product):
    """Pharmacology: drug concentrations and NMDAR block on the scenario's grid, and the circuit moments.

    ``columns`` holds ``time_h``, ``plasma_ketamine_uM``, ``brain_ketamine_uM``,
    ``receptor_ketamine_uM``, other drugs' ``plasma_<drug>_uM`` and
    ``bath_<drug>_uM``, ``nmdar_block_interneuron``, ``nmdar_block_pyramidal``
    and, with bath APV, ``nmdar_apv_occupancy``.
    """

    moments: tuple[Moment, ...] = ()
    in_vitro: bool = False

    @property
    def time_h(self) -> np.ndarray:
        return self.columns["time_h"]

    def bath_uM(self, drug: str) -> np.ndarray:
        """Bath concentration of ``drug`` (µM): zero at every time for a drug the scenario puts in no bath."""
        found = self.columns.get(f"bath_{drug}_uM")
        return np.zeros_like(self.time_h) if found is None else found

    def plasma_uM(self, drug: str) -> np.ndarray:
        """Plasma concentration of ``drug`` (µM): zero at every time for a drug the scenario does not give."""
        found = self.columns.get(f"plasma_{drug}_uM")
        return np.zeros_like(self.time_h) if found is None else found


@dataclass(frozen=True)
class CircuitSample:
    """The PFC circuit at one quasi-static moment."""

    label: str
    time_h: float
    condition: CircuitCondition
    readout: CircuitReadout


@dataclass
class CircuitReadouts(Product):
    """The PFC circuit at the exposure's moments (drug-free first) or at a later moment."""

    samples: tuple[CircuitSample, ...] = ()


@dataclass(frozen=True)
class CircuitRequest:
    """The circuit conditions one scenario needs at one stage, all with the scenario's seed."""

    network: PFCConfig
    seed: int
    moments: tuple[Moment, ...]
    conditions: tuple[CircuitCondition, ...]


@dataclass
class StageInputs:
    """What a stage sees: the config, the profile, and the products it declared it reads."""

    stage: str
    config: ScenarioConfig
    quick: bool
    products: dict[str, Product]

    @property
    def time_h(self) -> np.ndarray:
        return self.exposure.time_h

    @property
    def exposure(self) -> Exposure:
        return self.product("exposure")  # type: ignore[return-value]

    def product(self, name: str) -> Product:
        """A product this stage reads; :class:`MissingInput` if it was not produced."""
        try:
            return self.products[name]
        except KeyError:
            raise MissingInput(self.stage, name, tuple(self.products)) from None

    def has(self, name: str) -> bool:
        """Whether a declared product holds the series ``name`` (for series that exist only in some scenarios)."""
        return any(name in p.columns for p in self.products.values())

    def series(self, name: str) -> np.ndarray:
        """The series ``name`` from the products this stage reads; :class:`MissingInput` if none holds it."""
        for product in self.products.values():
            found = product.columns.get(name)
            if found is not None:
                return found
        raise MissingInput(self.stage, name, tuple(self.products))

    def at(self, name: str, time_h: float) -> float:
        """The series ``name`` interpolated at ``time_h``."""
        return float(np.interp(time_h, self.time_h, self.series(name)))

    def signal(self, name: str) -> Callable[[np.ndarray], np.ndarray]:
        """The series ``name`` as a function of time (h), by linear interpolation."""
        values, time = self.series(name), self.time_h
        return lambda t: np.interp(t, time, values)
