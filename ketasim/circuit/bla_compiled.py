"""Compile once, run many: the BLA fear circuit as a Brian2 ``cpp_standalone`` binary.

The runtime engine (:class:`ketasim.circuit.bla.RuntimeBLA`) steps the
network from Python, a few dozen code objects per time step; for a fear
protocol of many sessions that overhead is most of the run time. Here the
same declaration (:class:`ketasim.circuit.bla.BLADeclaration`) is built
**once per network shape and compiled-in constants** into a C++ binary, and
each session reruns it with new values:

* per session (the binary's command line, Brian2's ``run_args`` syntax):
  initial potentials, stream keys, plastic weights and release fractions,
  modulators, infralimbic rate and strength, afferent strength, the input
  schedule (TimedArrays) and the step at which the session ends (the binary
  is compiled for the longest session its schedule holds and stops early);
* per seed: the presynaptic partners of every synapse object, read by the
  binary from files written before the run (Brian2's ``run_args`` cannot set
  synaptic indices);
* compiled in: sizes, time steps, schedule length and the constants of
  :func:`ketasim.circuit.bla.constants` (the key: :func:`~ketasim.circuit.bla.signature`),
  for the registry's parameter values. A parameter set that changes any of
  those constants (a robustness draw, a sensitivity sample) runs instead
  the one binary of its shape that reads them on its command line too
  (:func:`~ketasim.circuit.bla.constants_per_run_values`), so it compiles
  nothing new; the runs of the registry's values keep their own binary, so
  the reproduction's numbers do not depend on it.

The binary is a :class:`ketasim.circuit.standalone.StandaloneBinary`: built
once under a file lock in a directory all processes share, run without
Brian2's device from a scratch directory of each process's own, so one
process can hold several compiled BLA networks and the compiled PFC network
at once, and a sweep's workers compile nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ketasim.circuit.bla import (
    BIN_S,
    BLAConfig,
    BLADeclaration,
    Layout,
    LearningRule,
    SessionInputs,
    SessionRecord,
    constants_per_run_values,
    session_values,
    signature,
    timed_values,
)
from ketasim.circuit.standalone import (
    Declared,
    PerRunConstants,
    StandaloneBinary,
    under_registry,
)
from ketasim.settings import settings

__all__ = ["CompiledBLA", "bla_key", "compiled_bla"]

VERSION = 8  # bump when the declaration or the manifest changes


class CompiledBLA(PerRunConstants):
    """One compiled BLA network: its binary, and how to feed it a session and read what it leaves.

    Parameters
    ----------
    config : BLAConfig
    rule : LearningRule
    bins : int
        Schedule length (:func:`ketasim.circuit.bla.schedule_bins`).
    directory : path
        Project directory (reused when its manifest matches).
    key : str
        What is compiled in (:func:`bla_key`): a manifest with another key is rebuilt.
    constants : dict, optional
        Values of the constants the binary reads per run
        (:func:`~ketasim.circuit.bla.constants_per_run_values`); without them
        the constants are compiled in.
    """

    def __init__(self, config: BLAConfig, rule: LearningRule, bins: int, directory: str | Path, key: str,
                 constants: dict[str, object] | None = None):
        self.config, self.bins = config, int(bins)
        self.layout = Layout.of(config)
        self.key = key
        self.constants = constants or {}
        self.binary = StandaloneBinary(directory, key, lambda: self._declare(rule), "bla")
        self.directory, self.timers = self.binary.directory, self.binary.timers

    def _declare(self, rule: LearningRule) -> Declared:
        import brian2 as b2

        declaration = BLADeclaration(self.config, rule, self.bins, stoppable=True,
                                     constants_per_run=bool(self.constants))
        spikes, plastic = declaration.spikes, declaration.synapses["plastic"]
        blank = SessionInputs.blank(self.layout, self.bins)
        return Declared(
            run=lambda: declaration.net.run(self.bins * BIN_S * b2.second, namespace=declaration.namespace),
            owners={**declaration.groups, **declaration.synapses, "session_end": declaration.stop,
                    "fear_expectation": declaration.expectation},
            arguments=[*session_values(self.layout, blank, stoppable=True), *self.constants],
            timed=list(declaration.timed),
            partners=declaration.synapses,
            results={"spike_i": spikes.variables["i"], "spike_t": spikes.variables["t"], "weights": plastic.variables["w"]},
        )

    def run(self, inputs: SessionInputs, partners: dict[str, np.ndarray]) -> SessionRecord:
        """Run one session: write its values, run the binary, read spikes and weights back."""
        values = {**session_values(self.layout, inputs, stoppable=True), **self.constants}
        read = self.binary.run(values, timed_values(inputs), partners)
        return SessionRecord(read["spike_i"], read["spike_t"], read["weights"])


_LOADED: dict[str, CompiledBLA] = {}


def bla_key(config: BLAConfig, rule: LearningRule, bins: int) -> str:
    """The binary's key: this module's version and the digest of what is compiled in."""
    return f"v{VERSION}-{signature(config, rule, bins)}"


def compiled_bla(config: BLAConfig, rule: LearningRule, bins: int,
                 per_run: bool | None = None) -> CompiledBLA:
    """The compiled network for this shape and the active set's constants: loaded, found on disk, or built.

    The registry's values have a binary with the constants compiled in;
    any other values of them run the binary of this shape that reads them
    per run (built once for all such parameter sets). ``per_run`` forces
    one or the other (tests compare them).
    """
    key = bla_key(config, rule, bins)
    if per_run is None:
        per_run = key != under_registry(lambda: bla_key(config, rule, bins))
    if not per_run:
        return _loaded(config, rule, bins, key)
    values = constants_per_run_values(config, rule)
    return _loaded(config, rule, bins, f"v{VERSION}-per-run-{signature(config, rule, bins, values=False)}",
                   values).bound(values)


def _loaded(config: BLAConfig, rule: LearningRule, bins: int, key: str,
            constants: dict[str, object] | None = None) -> CompiledBLA:
    if key not in _LOADED:
        directory = settings().shared_standalone_root() / f"bla-{config.principal_cells}-{bins}-{key}"
        _LOADED[key] = CompiledBLA(config, rule, bins, directory, key, constants)
    return _LOADED[key]
