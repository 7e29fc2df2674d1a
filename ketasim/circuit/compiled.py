"""Compile once, run many: the PFC circuit as a Brian2 ``cpp_standalone`` binary.

The runtime engine (:func:`ketasim.circuit.pfc.simulate_pfc`) generates and
loads code for every call and steps the network from Python; for a sweep that
overhead dominates. Here the same network declaration
(:class:`ketasim.circuit.pfc.PFCNetwork`) is built **once per shape** (neurons
per copy, number of copies, run length, time step) into a C++ binary, and
every later call only rewrites the per-copy values and reruns the binary with
``device.run(run_args=...)`` (Brian2 >= 2.6):

* per copy: the NMDA gain (block, subunit scaling, APV), the excitatory scale,
  the initial membrane potentials, the background weights and stream keys
  (:meth:`~ketasim.circuit.pfc.PFCNetwork.run_values`), and the recurrent
  connectivity (:meth:`~ketasim.circuit.pfc.PFCNetwork.partners`; Brian2's
  ``run_args`` cannot set synaptic indices, so the binary reads them from a
  file written before each run);
* compiled in: sizes, durations, time step, cell and synapse constants
  (the active parameter set's: a binary is keyed by the digest of the circuit
  layer's overrides as well as by its shape, and refuses to run under another set).

Every copy draws everything random from its **own** seed
(:func:`~ketasim.circuit.pfc.copy_inputs`), so a condition gives the same
spikes whether it runs alone or in a batch of any size, in any slot, and the
same spikes as the runtime engine with that seed (the LFP to rounding:
:mod:`ketasim.circuit.pfc`; ``tests/test_performance.py`` checks both).

One process holds one compiled network at a time (a Brian2 standalone device
builds one project); projects live on disk under a directory keyed by shape
and circuit parameters, inside the worker's own build directory, so a later
process with the same shape and parameters only regenerates the code and finds
the binary up to date.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing.util
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ketasim.circuit.pfc import (
    CircuitCondition,
    CircuitReadout,
    PFCConfig,
    PFCNetwork,
    compiled_digest,
    copy_inputs,
)
from ketasim.settings import settings

__all__ = ["CompiledPFC", "compiled_pfc", "copy_inputs", "loaded_network", "simulate_pfc_compiled"]
SINGLE_RUN_COPIES = 4  # copies of the network a single scenario's run uses (its moments fit; one shape to build)

# C++ that fills a Synapses object's presynaptic indices from a file before a run (run_args cannot set them).
READ_PRE_CPP = """
{{
    std::ifstream pre_file("{file}", std::ios::in | std::ios::binary | std::ios::ate);
    const size_t size = {array}.size() * sizeof({array}[0]);
    if (!pre_file.is_open() || (size_t)pre_file.tellg() != size) {{
        std::cerr << "ketasim: {file} missing or of the wrong size" << std::endl;
        exit(1);
    }}
    pre_file.seekg(0, std::ios::beg);
    pre_file.read(reinterpret_cast<char*>(&{array}[0]), size);
}}
"""


def _pre_file(synapses: str) -> str:
    return f"ketasim_{synapses}_pre.int32"


# Neurons per run worth aiming for: each run of the binary pays a fixed
# start-up cost (loading arrays, building synapses, writing results; about
# 0.1-0.2 s, benchmarks/README.md), which 32 quick-profile copies make small.
TARGET_NEURONS_PER_RUN = 16000
MAX_COPIES = 32


@dataclass(frozen=True)
class Shape:
    """Everything compiled into a binary (the cache key).

    ``parameters`` is the digest of the overrides of the parameters compiled
    into the network (:func:`~ketasim.circuit.pfc.compiled_digest`: the cell
    constants, time constants, in-degrees, background statistics), so a binary
    serves only the parameter sets that agree with the one it was built with
    on those. The fitted synaptic strengths and background shares reach it
    as per-run values.
    """

    n_exc: int
    n_inh: int
    duration_s: float
    warmup_s: float
    dt_ms: float
    copies: int
    parameters: str
    version: int = 6  # bump when the generated network changes

    def key(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return f"pfc-{self.n_exc}-{self.n_inh}-x{self.copies}-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def auto_copies(config: PFCConfig, conditions: int, workers: int = 1) -> int:
    """Copies per compiled run: enough neurons to amortise a run's start-up, no more than the work needs.

    Parameters
    ----------
    config : PFCConfig
        Network shape.
    conditions : int
        Distinct conditions waiting to be simulated.
    workers : int
        Processes that share them (each should get at least one full batch).
    """
    per_worker = -(-max(conditions, 1) // max(workers, 1))
    wanted = max(1, TARGET_NEURONS_PER_RUN // (config.n_exc + config.n_inh))
    return int(max(1, min(per_worker, wanted, MAX_COPIES)))


class CompiledPFC:
    """One compiled PFC network with ``shape.copies`` unconnected copies.

    Parameters
    ----------
    shape : Shape
        What is compiled in.
    directory : path
        Project directory of the binary (reused if it already holds one).
    """

    def __init__(self, shape: Shape, directory: str | Path, profile: bool = False):
        import brian2 as b2

        self.profile = profile
        self.shape = shape
        self.directory = Path(directory)
        self.config = PFCConfig(shape.n_exc, shape.n_inh, shape.duration_s, shape.warmup_s, shape.dt_ms)
        self.timers: dict[str, float] = {"runs": 0, "binary_s": 0.0, "loop_s": 0.0}
        _results_in_memory(self.directory)
        b2.set_device("cpp_standalone", directory=str(self.directory), build_on_run=False)
        self.device = b2.get_device()
        self.device.reinit()
        self.device.activate(directory=str(self.directory), build_on_run=False)
        b2.prefs.logging.console_log_level = "WARNING"
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        try:
            self._build()
        finally:
            b2.set_device("runtime")

    def _build(self) -> None:
        """Declare the network (placeholders for the per-run values), record its run, compile the project."""
        network = PFCNetwork(self.config, self.shape.copies)
        # Per-run values must be in place before the synaptic queues are
        # prepared. Brian2 does not let run_args set synaptic indices
        # (read-only), so the binary reads each run's presynaptic partners
        # from a file written next to it.
        self.device.apply_run_args()
        for synapses in (network.exc, network.inh):
            array = self.device.get_array_name(synapses.variables["_synaptic_pre"], access_data=False)
            self.device.insert_code("main", READ_PRE_CPP.format(array=array, file=_pre_file(synapses.name)))
        network.run(profile=self.profile)
        self.network = network
        self.device.build(directory=str(self.directory), compile=True, run=False, with_output=False)

    def run(self, conditions: Sequence[CircuitCondition], seeds: Sequence[int]) -> list[CircuitReadout]:
        """Simulate up to ``shape.copies`` conditions, each with its own seed, in one run of the binary.

        Unused copies run a drug-free filler condition and are discarded.

        Raises
        ------
        ValueError
            If the active parameter set's circuit parameters are not the ones
            this binary was built with, or the conditions do not fit.
        """
        shape, network = self.shape, self.network
        if compiled_digest() != shape.parameters:
            raise ValueError("this compiled PFC network was built with other circuit parameters than the active set's "
                             "(get it from compiled_pfc() under the active set)")
        if len(conditions) != len(seeds) or not 0 < len(conditions) <= shape.copies:
            raise ValueError(f"need 1..{shape.copies} conditions with one seed each")
        wanted = list(conditions)
        fill = shape.copies - len(wanted)
        conditions = wanted + [CircuitCondition()] * fill
        seeds = list(seeds) + [int(seeds[0])] * fill
        for synapses, pre in zip((network.exc, network.inh), network.partners(seeds), strict=True):
            pre.astype(np.int32).tofile(self.directory / _pre_file(synapses.name))
        run_args = {getattr(network.group, name): value for name, value in network.run_values(conditions, seeds).items()}
        try:
            self.device.run(directory=str(self.directory), with_output=False, run_args=run_args)
        finally:
            for name in self.device.run_args_arrays:  # one file per distinct value array; don't let them pile up
                for path in (self.directory / "static_arrays" / name, self.directory / "static_arrays" / f"{name}.lock"):
                    path.unlink(missing_ok=True)
        self.timers["runs"] += 1
        self.timers["binary_s"] += self.device.timers.get("run_binary", 0.0)
        self.timers["loop_s"] += _loop_time(self.device.results_dir)
        return network.readouts(wanted)


def memory_temp_root() -> str | None:
    """/dev/shm when this machine has a writable one (scratch for a binary's results), else None."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def scratch_directory(prefix: str) -> Path:
    """A new directory in /dev/shm (else the temporary directory) that is removed when this process exits.

    ``atexit`` alone misses the workers of a process pool, which leave through
    ``os._exit`` (their scratch filled /dev/shm, that is memory, run after
    run); multiprocessing's exit finalisers run in both the main process and
    its workers, each only in the process that registered it.
    """
    scratch = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=memory_temp_root()))
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(scratch, True), exitpriority=0)
    return scratch


def _results_in_memory(directory: Path) -> None:
    """Point the project's ``results`` at a per-process directory in /dev/shm (when there is one).

    Every run writes all of the network's arrays (~30 MB for 32 quick copies)
    and ketasim reads back only spikes and the LFP; on a busy disk that
    writeback costs more than the simulation (benchmarks/README.md).
    """
    if memory_temp_root() is None:
        return
    scratch = scratch_directory("ketasim-")
    results = directory / "results"
    directory.mkdir(parents=True, exist_ok=True)
    if results.is_symlink() or results.is_file():
        results.unlink()
    elif results.is_dir():
        shutil.rmtree(results)
    results.symlink_to(scratch, target_is_directory=True)


def _loop_time(results_dir: str) -> float:
    """Wall time of the simulation loop inside the last run (Brian2's last_run_info.txt)."""
    try:
        return float(Path(results_dir, "last_run_info.txt").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


_CURRENT: CompiledPFC | None = None


def build_root() -> Path:
    """This process's standalone projects: inside its worker build directory (claimed if it has none)."""
    return settings().standalone_root()  # a persistent slot: the next process with this shape reuses the binary


def loaded_network() -> CompiledPFC | None:
    """The compiled network this process has loaded (its timers show where run time went), if any."""
    return _CURRENT


def compiled_pfc(config: PFCConfig, copies: int) -> CompiledPFC:
    """The compiled network for this shape and the active circuit parameters: the one already loaded, or built
    (reusing a binary on disk)."""
    global _CURRENT
    shape = Shape(config.n_exc, config.n_inh, config.duration_s, config.warmup_s, config.dt_ms, int(copies),
                  compiled_digest())
    if _CURRENT is not None and _CURRENT.shape == shape:
        return _CURRENT
    directory = build_root() / shape.key()
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Let the loaded network go first: while its Brian2 objects live, the new one's code objects get
    # numbered names (``..._codeobject_2``), which differ from the files on disk and force a recompile.
    _CURRENT = None
    gc.collect()
    try:
        _CURRENT = CompiledPFC(shape, directory)
    except Exception:
        _CURRENT = None
        shutil.rmtree(directory / "results", ignore_errors=True)
        raise
    return _CURRENT


def simulate_pfc_compiled(
    conditions: Sequence[CircuitCondition],
    seeds: Sequence[int] | int,
    config: PFCConfig | None = None,
    copies: int | None = None,
) -> list[CircuitReadout]:
    """Simulate conditions (each with its own seed) on the compiled network, in batches of ``copies``.

    Results do not depend on ``copies`` or on which conditions share a batch.
    """
    config = config or PFCConfig()
    seeds = [int(seeds)] * len(conditions) if isinstance(seeds, int | np.integer) else [int(s) for s in seeds]
    copies = copies or auto_copies(config, len(conditions))
    engine = compiled_pfc(config, copies)
    out: list[CircuitReadout] = []
    for lo in range(0, len(conditions), copies):
        out.extend(engine.run(conditions[lo: lo + copies], seeds[lo: lo + copies]))
    return out


def forget_loaded_network() -> None:
    """Drop the loaded network: another standalone build is about to reset Brian2's device under it."""
    global _CURRENT
    _CURRENT = None
