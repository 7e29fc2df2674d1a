"""The one place that decides how PFC circuit conditions are simulated.

Every circuit run of every scenario goes through :func:`simulate_requests`:
a single ``ketasim run``, a sweep's chunk of points and a reproduction's
batch of scenarios alike. A request is one scenario's conditions at one
stage, with the scenario's seed, on one network shape.

- ``compiled`` engine (default, :mod:`ketasim.circuit.compiled`): the
  distinct (condition, seed) pairs of all requests of one network shape run
  as unconnected copies of one ``cpp_standalone`` binary, many per run. Each
  copy draws its randomness from its own seed only, so a request's readouts
  do not depend on which other requests share the call or the batch.
- ``runtime`` engine (``KETASIM_ENGINE=runtime``, or the fallback when no
  binary can be built, with a :class:`RuntimeWarning`): each request runs as
  its own Brian2 runtime network (:func:`ketasim.circuit.pfc.simulate_pfc`).

Which engine runs is a setting (:mod:`ketasim.settings`), not an argument.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from ketasim.circuit import pfc
from ketasim.circuit.bla import BLAConfig, LearningRule, RuntimeBLA, structural
from ketasim.circuit.bla_compiled import compiled_bla
from ketasim.circuit.compiled import (
    MAX_COPIES,
    SINGLE_RUN_COPIES,
    auto_copies,
    simulate_pfc_compiled,
)
from ketasim.circuit.lhb import LHbConfig, RuntimeLHb
from ketasim.circuit.lhb_compiled import compiled_lhb
from ketasim.circuit.pfc import CircuitCondition, CircuitReadout, PFCConfig, simulate_pfc
from ketasim.settings import settings

__all__ = ["CompiledEngineUnavailable", "bla_engine", "compiled_in", "engine", "lhb_engine", "simulate_requests"]

_COPIES: dict[PFCConfig, int] = {}  # copies per run chosen for each network in this process: one binary per shape


class CompiledEngineUnavailable(RuntimeWarning):
    """The compiled engine could not build or run its binary; the runtime engine ran instead."""


def engine() -> str:
    """The circuit engine in use: ``compiled`` or ``runtime`` (``KETASIM_ENGINE``)."""
    return settings().engine


def simulate_requests(
    requests: Sequence[tuple[PFCConfig, int, Sequence[CircuitCondition]]],
    copies: int | None = None,
) -> list[list[CircuitReadout]]:
    """Readouts for every request, in order: one list per request, one readout per condition.

    Parameters
    ----------
    requests : sequence of (network, seed, conditions)
        What each scenario needs simulated.
    copies : int, optional
        Copies per compiled run (default: chosen once per network shape and
        process from the amount of work, so one binary serves every later call).
    """
    if not requests:
        return []
    if engine() == "runtime":
        return [_runtime(network, seed, conditions) for network, seed, conditions in requests]
    try:
        return _compiled(requests, copies)
    except Exception as exc:  # no C++ compiler, or the build failed
        message = f"compiled PFC network unavailable ({type(exc).__name__}: {exc}); using Brian2 runtime mode"
        warnings.warn(message.replace("\n", " "), CompiledEngineUnavailable, stacklevel=2)
        return [_runtime(network, seed, conditions) for network, seed, conditions in requests]


def _runtime(network: PFCConfig, seed: int, conditions: Sequence[CircuitCondition]) -> list[CircuitReadout]:
    """One request on its own runtime network; identical conditions share one copy."""
    unique = list(dict.fromkeys(conditions))
    readouts = dict(zip(unique, simulate_pfc(unique, network, seed=seed), strict=True))
    return [readouts[c] for c in conditions]


def _compiled(requests, copies: int | None) -> list[list[CircuitReadout]]:
    wanted: dict[PFCConfig, list[tuple[CircuitCondition, int]]] = {}
    for network, seed, conditions in requests:
        wanted.setdefault(network, []).extend((c, int(seed)) for c in conditions)
    readouts: dict[tuple, CircuitReadout] = {}
    for network, pairs in wanted.items():
        unique = list(dict.fromkeys(pairs))
        per_run = copies or _COPIES.get(network) or _shape_copies(network, len(unique))
        _COPIES.setdefault(network, per_run)
        out = simulate_pfc_compiled([c for c, _ in unique], [s for _, s in unique], network, copies=per_run)
        readouts.update({(network, c, s): r for (c, s), r in zip(unique, out, strict=True)})
    return [[readouts[(network, c, int(seed))] for c in conditions] for network, seed, conditions in requests]


def _shape_copies(network: PFCConfig, conditions: int) -> int:
    """Copies per run for a first call: a power of two (few shapes get compiled), at least a single run's."""
    n = auto_copies(network, conditions)
    return min(max(SINGLE_RUN_COPIES, 1 << max(0, (int(n) - 1).bit_length())), MAX_COPIES)


def compiled_in(key: str, rule: LearningRule) -> bool:
    """Whether each value of the parameter ``key`` needs a compiled circuit binary of its own.

    True for the parameters compiled into the PFC network
    (:func:`ketasim.circuit.pfc.compiled_in`), those that set the BLA
    network's structure (:func:`ketasim.circuit.bla.structural`) and the
    sources of the learning ``rule``'s exponents
    (:meth:`~ketasim.circuit.bla.LearningRule.compiles_in`). The BLA's and
    the LHb's other constants are read per run by one binary per shape when
    they differ from the registry's values.
    """
    return pfc.compiled_in(key) or structural(key) or rule.compiles_in(key)


def bla_engine(config: BLAConfig, rule: LearningRule, seed: int, bins: int):
    """The engine that runs a BLA network's sessions (``.run(inputs, partners) -> SessionRecord``).

    ``compiled`` (default): the process's compiled binary for this shape
    (:func:`ketasim.circuit.bla_compiled.compiled_bla`), shared by every seed;
    ``runtime``, or when no binary can be built (with a
    :class:`CompiledEngineUnavailable` warning): a runtime network of this seed.
    """
    return _compiled_engine(lambda: compiled_bla(config, rule, bins), "BLA") or RuntimeBLA(config, rule, seed, bins)


def lhb_engine(config: LHbConfig):
    """The engine that records LHb conditions (``.simulate(conditions, seed) -> list[LHbReadout]``).

    ``compiled`` (default): the shared binary of this shape
    (:func:`ketasim.circuit.lhb_compiled.compiled_lhb`); ``runtime``, or when
    no binary can be built (with a :class:`CompiledEngineUnavailable` warning):
    a runtime network per call.
    """
    return _compiled_engine(lambda: compiled_lhb(config), "LHb") or RuntimeLHb(config)


def _compiled_engine(build, label: str):
    """The compiled engine ``build()`` makes under the ``compiled`` setting; None (with a
    :class:`CompiledEngineUnavailable` warning) if it cannot be built, or under the ``runtime`` setting."""
    if engine() != "compiled":
        return None
    try:
        return build()
    except Exception as exc:  # no C++ compiler, or the build failed
        message = f"compiled {label} network unavailable ({type(exc).__name__}: {exc}); using Brian2 runtime mode"
        warnings.warn(message.replace("\n", " "), CompiledEngineUnavailable, stacklevel=3)
        return None
