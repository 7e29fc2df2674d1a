"""Compile once, run many: the LHb slice population as a Brian2 ``cpp_standalone`` binary.

Each recording of the runtime engine (:class:`ketasim.circuit.lhb.RuntimeLHb`)
steps a few dozen cells for 2 × 10⁵ steps from Python; the per-step overhead
is almost all of its run time. Here the same declaration
(:class:`ketasim.circuit.lhb.LHbDeclaration`) is compiled once per size,
number of copies, run length and constants (:func:`ketasim.circuit.lhb.signature`)
into a :class:`ketasim.circuit.standalone.StandaloneBinary`, and each
recording reruns it with its values on the command line: the cells' K⁺ leak,
the copy's NMDAR availability and T-channel scaling, and the barrage
streams' keys. The binary holds **one copy**: copies are unconnected, so a
condition's spikes do not depend on the others, and a condition recorded
again with the same seed (every scenario's drug-free control) is the
binary's memo, not a new run. Both engines fire the same spikes.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketasim.circuit.lhb import (
    LHbCondition,
    LHbConfig,
    LHbDeclaration,
    LHbReadout,
    LHbRecord,
    constants_per_run_values,
    lhb_readouts,
    run_values,
    signature,
)
from ketasim.circuit.standalone import (
    Declared,
    PerRunConstants,
    StandaloneBinary,
    under_registry,
)
from ketasim.settings import settings

__all__ = ["CompiledLHb", "compiled_lhb"]


class CompiledLHb(PerRunConstants):
    """The compiled LHb network (one copy of the population): its binary and how to record a condition on it.

    Parameters
    ----------
    config : LHbConfig
    key : str
        What is compiled in (:func:`~ketasim.circuit.lhb.signature`).
    constants : dict, optional
        Values of the constants the binary reads per run
        (:func:`~ketasim.circuit.lhb.constants_per_run_values`); without them
        the constants are compiled in.
    """

    def __init__(self, config: LHbConfig, key: str, constants: dict[str, object] | None = None):
        self.config = config
        self.constants = constants or {}
        directory = settings().shared_standalone_root() / f"lhb-{config.n_cells}-{key}"
        self.binary = StandaloneBinary(directory, key, self._declare, "lhb")
        self.timers = self.binary.timers

    def _declare(self) -> Declared:
        d = LHbDeclaration(self.config, 1, constants_per_run=bool(self.constants))
        return Declared(
            run=lambda: d.net.run(d.duration, namespace=d.namespace),
            owners=d.groups, arguments=[*run_values([], self.config, 0), *self.constants],
            results={"spike_i": d.spikes.variables["i"], "spike_t": d.spikes.variables["t"],
                     "trace_t": d.trace.variables["t"], "trace_v": d.trace.variables["v"]},
        )

    def simulate(self, conditions: Sequence[LHbCondition], seed: int) -> list[LHbReadout]:
        """One readout per condition, each from a run of the binary (or its memo)."""
        out = []
        for condition in conditions:
            read = self.binary.run({**run_values([condition], self.config, seed), **self.constants})
            record = LHbRecord(read["spike_i"], read["spike_t"], read["trace_t"], read["trace_v"][:, None] * 1e3)
            out.extend(lhb_readouts(record, self.config, 1))
        return out


_LOADED: dict[str, CompiledLHb] = {}


def compiled_lhb(config: LHbConfig, per_run: bool | None = None) -> CompiledLHb:
    """The compiled network for this size and run length under the active set's constants: loaded, found on
    disk, or built.

    The registry's values have a binary with the constants compiled in; any
    other values of them run the one binary of this size that reads them per
    run (as the BLA's, :func:`ketasim.circuit.bla_compiled.compiled_bla`).
    ``per_run`` forces one or the other.
    """
    key = signature(config, 1)
    if per_run is None:
        per_run = key != under_registry(lambda: signature(config, 1))
    if not per_run:
        if key not in _LOADED:
            _LOADED[key] = CompiledLHb(config, key)
        return _LOADED[key]
    values = constants_per_run_values()
    key = f"per-run-{signature(config, 1, values=False)}"
    if key not in _LOADED:
        _LOADED[key] = CompiledLHb(config, key, values)
    return _LOADED[key].bound(values)
