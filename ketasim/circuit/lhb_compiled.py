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
    lhb_readouts,
    run_values,
    signature,
)
from ketasim.circuit.standalone import Declared, StandaloneBinary
from ketasim.settings import settings

__all__ = ["CompiledLHb", "compiled_lhb"]


class CompiledLHb:
    """The compiled LHb network (one copy of the population): its binary and how to record a condition on it."""

    def __init__(self, config: LHbConfig, key: str):
        self.config = config
        directory = settings().shared_standalone_root() / f"lhb-{config.n_cells}-{key}"
        self.binary = StandaloneBinary(directory, key, self._declare, "lhb")
        self.timers = self.binary.timers

    def _declare(self) -> Declared:
        d = LHbDeclaration(self.config, 1)
        return Declared(
            run=lambda: d.net.run(d.duration, namespace=d.namespace),
            owners=d.groups, arguments=list(run_values([], self.config, 0)),
            results={"spike_i": d.spikes.variables["i"], "spike_t": d.spikes.variables["t"],
                     "trace_t": d.trace.variables["t"], "trace_v": d.trace.variables["v"]},
        )

    def simulate(self, conditions: Sequence[LHbCondition], seed: int) -> list[LHbReadout]:
        """One readout per condition, each from a run of the binary (or its memo)."""
        out = []
        for condition in conditions:
            read = self.binary.run(run_values([condition], self.config, seed))
            record = LHbRecord(read["spike_i"], read["spike_t"], read["trace_t"], read["trace_v"][:, None] * 1e3)
            out.extend(lhb_readouts(record, self.config, 1))
        return out


_LOADED: dict[str, CompiledLHb] = {}


def compiled_lhb(config: LHbConfig) -> CompiledLHb:
    """The compiled network for this size and run length under the active set's constants: loaded, found on
    disk, or built."""
    key = signature(config, 1)
    if key not in _LOADED:
        _LOADED[key] = CompiledLHb(config, key)
    return _LOADED[key]
