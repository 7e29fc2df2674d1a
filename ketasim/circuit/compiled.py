"""Compile once, run many: the PFC circuit as a Brian2 ``cpp_standalone`` binary.

The runtime engine (:func:`ketasim.circuit.pfc.simulate_pfc`) generates and
loads code for every call and steps the network from Python; for a sweep that
overhead dominates. Here the network is built **once per shape** (neurons per
copy, number of copies, run length, time step) into a C++ binary, and every
later call only rewrites the per-copy values and reruns the binary with
``device.run(run_args=...)`` (Brian2 >= 2.6):

* per copy: the NMDA gain (block, subunit scaling, APV), the excitatory scale,
  the initial membrane potentials, the recurrent connectivity and the seed of
  the background noise;
* compiled in: sizes, durations, time step, cell and synapse constants
  (the active parameter set's: a binary is keyed by the digest of the circuit
  layer's overrides as well as by its shape, and refuses to run under another set).

Every copy draws everything random from its **own** seed, independently of
the other copies in the batch: connectivity and initial potentials from
``numpy.random.default_rng(seed)`` (the same order as the runtime engine),
and the Poisson background from a counter-based generator (a SplitMix64 hash
of seed, neuron, time step and channel). A condition therefore gives the same
spikes whether it runs alone or in a batch of any size, in any slot. The
runtime engine draws its background from Brian2's own stream, so the two
engines agree in distribution, not spike for spike
(``tests/test_performance.py`` checks both).

One process holds one compiled network at a time (a Brian2 standalone device
builds one project); projects live on disk under a directory keyed by shape
and circuit parameters, inside the worker's own build directory, so a later
process with the same shape and parameters only regenerates the code and finds
the binary up to date.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ketasim.circuit.pfc import (
    C_E,
    C_I,
    DELAY,
    E_EXC,
    E_INH,
    E_L,
    G_AMPA_REC,
    G_EXT_AMPA,
    G_GABA_REC,
    G_NMDA_REC,
    GL_E,
    GL_I,
    IN_DEGREE,
    MG_K,
    MG_MM,
    MG_SLOPE,
    N_EXT,
    NMDA_DRIVE_VOLTAGE,
    NMDA_KINETIC_SCALE,
    NMDA_SHARE_EXT,
    RATE_EXT,
    TAU_AMPA,
    TAU_GABA,
    TAU_NMDA_DECAY,
    TAU_NMDA_RISE,
    TREF_E,
    TREF_I,
    V_RESET,
    V_TH,
    CircuitCondition,
    CircuitReadout,
    PFCConfig,
    by_cell_type,
    fixed_indegree,
    jahr_stevens_block,
    readouts_from_records,
)
from ketasim.parameters import ParamRef, current
from ketasim.settings import settings

__all__ = ["CompiledPFC", "compiled_pfc", "copy_inputs", "loaded_network", "simulate_pfc_compiled"]
SINGLE_RUN_COPIES = 4  # copies of the network a single scenario's run uses (its moments fit; one shape to build)

# Brian2's stream is replaced by this hash so that each copy's background is a
# function of (seed, neuron, step, channel) only. SplitMix64 (Steele et al.
# 2014) passes BigCrush as a hash of a counter.
_TABLE = 8  # binomial CDF thresholds compared without branches; the rare tail continues in a loop

_HASH_CPP = r"""
#include <stdint.h>
// Binomial(n, p) draw by inverse CDF from a 32-bit uniform. The uniforms are
// the two halves of SplitMix64 (Steele et al. 2014) at state key + (step/2) * gamma:
// each (copy seed, cell, channel) key is its own stream, one hash per two steps.
// KETASIM_CDF holds the first CDF values (compiled in); n = 0 skips the draw.
static const double KETASIM_CDF[%(table)d] = {%(cdf)s};
static inline int32_t ketasim_ext_count(double key, int64_t step, double p0, double odds, int32_t n)
{
    if (n == 0) return 0;
    uint64_t x = (uint64_t)key + (uint64_t)(step >> 1) * 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x = x ^ (x >> 31);
    const double u = (double)((x >> ((step & 1) << 5)) & 0xFFFFFFFFULL) * (1.0 / 4294967296.0);
    int32_t k = 0;
    for (int j = 0; j < %(table)d; j++) k += (u >= KETASIM_CDF[j]);
    if (k == %(table)d) {  // tail: continue the recursion P(k+1) = P(k) (n-k)/(k+1) p/(1-p)
        double pk = p0, cdf = p0;
        for (int j = 0; j < k; j++) { pk *= (double)(n - j) / (double)(j + 1) * odds; cdf += pk; }
        while (u >= cdf && k < n) { pk *= (double)(n - k) / (double)(k + 1) * odds; k += 1; cdf += pk; }
    }
    return k;
}
"""


def _hash_code(n: int, p: float) -> str:
    """The C++ draw with the Binomial(n, p) CDF table for this run's background."""
    from scipy.stats import binom

    cdf = np.cumsum([binom.pmf(k, n, p) for k in range(_TABLE)])
    return _HASH_CPP % {"table": _TABLE, "cdf": ", ".join(repr(float(c)) for c in cdf)}


_READ_PRE_CPP = """
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


_EQUATIONS = """
dv/dt = (g_L * (E_L - v) - I_syn) * inv_C_m : volt (unless refractory)
I_ampa = exc_scale * g_ampa * (v - E_exc) : amp
I_nmda = nmda_gain * exc_scale * g_nmda * (v - E_exc) / (1 + Mg / k_Mg * exp(-mg_slope * v)) : amp
I_gaba = g_gaba * (v - E_inh) : amp
I_syn = I_ampa + I_nmda + I_gaba : amp
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_nmda/dt = -g_nmda / tau_nmda_decay + x_nmda : siemens
dx_nmda/dt = -x_nmda / tau_nmda_rise : siemens/second
dg_gaba/dt = -g_gaba / tau_gaba : siemens
nmda_gain : 1 (constant)
exc_scale : 1 (constant)
ext_w_ampa : siemens (constant)
ext_w_nmda : siemens/second (constant)
w_ampa : siemens (constant)
w_nmda : siemens (constant)
w_gaba : siemens (constant)
g_L : siemens (constant)
inv_C_m : 1/farad (constant)
t_ref_open : second (constant)
noise_key_ampa : 1 (constant)
noise_key_nmda : 1 (constant)
ext_n_ampa : integer (constant)
ext_n_nmda : integer (constant)
"""

# Neurons per run worth aiming for: each run of the binary pays a fixed
# start-up cost (loading arrays, building synapses, writing results; about
# 0.1-0.2 s, benchmarks/README.md), which 32 quick-profile copies make small.
TARGET_NEURONS_PER_RUN = 16000
MAX_COPIES = 32


@dataclass(frozen=True)
class Shape:
    """Everything compiled into a binary (the cache key).

    ``parameters`` is the digest of the circuit layer's overrides
    (``current().digest("circuit")``): the cell and synapse constants are
    compiled in, so a binary serves only the parameter set it was built with.
    """

    n_exc: int
    n_inh: int
    duration_s: float
    warmup_s: float
    dt_ms: float
    copies: int
    parameters: str
    version: int = 5  # bump when the generated network changes

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


def copy_inputs(seed: int, config: PFCConfig) -> dict[str, np.ndarray]:
    """Initial potentials (mV) and presynaptic partners of one copy, drawn from its own seed.

    Same draws, in the same order, as :func:`ketasim.circuit.pfc.simulate_pfc`
    makes for a single copy, with the active parameter set's resting
    potential, threshold and in-degrees. Cached per seed, shape and circuit
    parameters: the copies of one seed share them (read only).
    """
    return _copy_inputs(seed, config, current().digest("circuit"))


@lru_cache(maxsize=64)
def _copy_inputs(seed: int, config: PFCConfig, parameters: str) -> dict[str, np.ndarray]:
    """:func:`copy_inputs` for the active set, whose circuit digest is ``parameters`` (the cache key)."""
    n_e, n_i = config.n_exc, config.n_inh
    n = n_e + n_i
    e_l, v_th = E_L(), V_TH()
    rng = np.random.default_rng(seed)
    v = e_l + (v_th - e_l) * rng.random(n)
    pre_e, _ = fixed_indegree(rng, n_e, n, min(int(IN_DEGREE["E"]()), n_e))
    pre_i, _ = fixed_indegree(rng, n_i, n, min(int(IN_DEGREE["I"]()), n_i))
    cells = np.arange(n, dtype=np.uint64)
    stream = _splitmix64(_splitmix64(np.full(n, seed, dtype=np.uint64)) ^ cells)
    # 52-bit keys: exact as float64 (Brian2 has no 64-bit integer parameters), distinct per cell and channel.
    keys = {ch: (_splitmix64(stream ^ np.uint64(ch)) >> np.uint64(12)).astype(np.float64) for ch in (1, 2)}
    out = {"v_mV": v, "pre_e": pre_e, "pre_i": pre_i, "key_ampa": keys[1], "key_nmda": keys[2]}
    for array in out.values():
        array.flags.writeable = False
    return out


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _background_weights(is_exc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Background weights (nS, nS/ms) of the cells, before division by their copy's ``exc_scale``.

    A share of the external excitatory charge arrives on NMDARs; an NMDA event
    carries tau_decay/tau_ampa times the charge of an AMPA event. Values of the
    active parameter set.
    """
    values = {name: by_cell_type(refs) for name, refs in (("share", NMDA_SHARE_EXT), ("g_ext", G_EXT_AMPA))}
    share = np.where(is_exc, values["share"]["E"], values["share"]["I"])
    g_ext = np.where(is_exc, values["g_ext"]["E"], values["g_ext"]["I"])
    ampa = g_ext * (1 - share)
    nmda = (
        g_ext * share * TAU_AMPA() / TAU_NMDA_DECAY() / jahr_stevens_block(NMDA_DRIVE_VOLTAGE()) / TAU_NMDA_RISE()
    )
    return ampa, nmda


def _condition_gain(condition: CircuitCondition, is_exc: np.ndarray) -> np.ndarray:
    gain = np.where(
        is_exc,
        condition.nmda_scale_pyramidal * (1 - condition.block_pyramidal),
        condition.nmda_scale_interneuron * (1 - condition.block_interneuron),
    )
    return gain * (1 - condition.nmda_open_block)


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
            self._build(b2)
        finally:
            b2.set_device("runtime")

    def _build(self, b2) -> None:
        shape = self.shape
        n_e, n_i = shape.n_exc, shape.n_inh
        n = n_e + n_i
        total = shape.copies * n
        b2.defaultclock.dt = shape.dt_ms * b2.ms
        e_l, n_ext, delay = E_L(), int(N_EXT()), DELAY()
        namespace = {
            "E_L": e_l * b2.mV, "E_exc": E_EXC() * b2.mV, "E_inh": E_INH() * b2.mV,
            "Mg": MG_MM(), "k_Mg": MG_K(), "mg_slope": MG_SLOPE() / b2.mV,
            "tau_ampa": TAU_AMPA() * b2.ms, "tau_nmda_rise": TAU_NMDA_RISE() * b2.ms,
            "tau_nmda_decay": TAU_NMDA_DECAY() * b2.ms, "tau_gaba": TAU_GABA() * b2.ms,
            "V_th": V_TH() * b2.mV, "V_reset": V_RESET() * b2.mV,
        }
        # Background: N_EXT inputs at RATE_EXT, i.e. Binomial(N_EXT, rate * dt) events per step.
        p = RATE_EXT() * shape.dt_ms * 1e-3
        namespace.update(ext_p0=(1 - p) ** n_ext, ext_odds=p / (1 - p))
        ext_count = b2.Function(
            None, arg_units=[1, 1, 1, 1, 1], return_unit=1,
            arg_types=["float", "integer", "float", "float", "integer"],
            return_type="integer",
        )
        ext_count.implementations.add_implementation("cpp", _hash_code(n_ext, p), name="ketasim_ext_count")
        namespace["ext_count"] = ext_count

        group = b2.NeuronGroup(total, _EQUATIONS, threshold="v > V_th", reset="v = V_reset", refractory="(t - lastspike) < t_ref_open",
                               method="euler", namespace=namespace, name="pfc")
        local = np.arange(total) % n
        copy_of = np.arange(total) // n
        self._is_exc_local = np.arange(n) < n_e
        is_exc = local < n_e
        k_e = min(int(IN_DEGREE["E"]()), n_e)
        k_i = min(int(IN_DEGREE["I"]()), n_i)

        def by_type(refs: dict[str, ParamRef]) -> np.ndarray:
            values = by_cell_type(refs)
            return np.where(is_exc, values["E"], values["I"])

        # Divisions hoisted out of the step loop: 1/C and the background weights (set per run).
        group.inv_C_m = 1 / (by_type({"E": C_E, "I": C_I}) * b2.nF)
        group.g_L = by_type({"E": GL_E, "I": GL_I}) * b2.nS
        # Refractory while fewer than t_ref/dt steps have passed since the spike (Brian2's rule for a
        # refractory time), tested without its two divisions per cell and step.
        group.t_ref_open = (by_type({"E": TREF_E, "I": TREF_I}) - 0.5 * shape.dt_ms) * b2.ms
        group.w_ampa = by_type(G_AMPA_REC) / k_e * b2.nS
        group.w_nmda = by_type(G_NMDA_REC) * NMDA_KINETIC_SCALE() / k_e * b2.nS
        group.w_gaba = by_type(G_GABA_REC) / k_i * b2.nS
        share = by_type(NMDA_SHARE_EXT)
        # The background weights are set per run (_background_weights); which channels draw is compiled in.
        group.ext_n_ampa = np.where(share < 1, n_ext, 0)
        group.ext_n_nmda = np.where(share > 0, n_ext, 0)
        # Placeholders; every run sets them from run_args.
        group.nmda_gain = 1.0
        group.exc_scale = 1.0
        group.noise_key_ampa = 0.0
        group.noise_key_nmda = 0.0
        group.v = e_l * b2.mV
        # PoissonInput's slot ("synapses"), drawn from the copy's own hashed stream.
        group.run_regularly(
            "g_ampa += ext_w_ampa * ext_count(noise_key_ampa, t_in_timesteps, ext_p0, ext_odds, ext_n_ampa)\n"
            "x_nmda += ext_w_nmda * ext_count(noise_key_nmda, t_in_timesteps, ext_p0, ext_odds, ext_n_nmda)",
            when="synapses", name="background",
        )

        # Connectivity: the postsynaptic side is fixed (k inputs per cell, in
        # order); each run supplies the presynaptic partners of its copies.
        self._post_e = np.repeat(np.arange(n), k_e)
        self._post_i = np.repeat(np.arange(n), k_i)
        offsets = (np.arange(shape.copies) * n)[:, None]
        exc = b2.Synapses(group, group, on_pre="g_ampa_post += w_ampa_post\nx_nmda_post += w_nmda_post / tau_nmda_rise",
                          delay=delay * b2.ms, name="exc", namespace=namespace)
        exc.connect(i=(offsets + np.zeros((1, n * k_e), int)).ravel(), j=(self._post_e + offsets).ravel())
        inh = b2.Synapses(group, group, on_pre="g_gaba_post += w_gaba_post", delay=delay * b2.ms, name="inh")
        inh.connect(i=(n_e + offsets + np.zeros((1, n * k_i), int)).ravel(), j=(self._post_i + offsets).ravel())

        # The LFP proxy is only read every 1 ms: sum it on that clock (the
        # summing cell's), not every step.
        lfp = b2.NeuronGroup(shape.copies, "lfp : amp", name="lfp", dt=1 * b2.ms)
        collect = b2.Synapses(group, lfp, "lfp_post = abs(I_ampa_pre) + abs(I_gaba_pre) : amp (summed)",
                              name="collect")
        exc_index = np.flatnonzero(is_exc)
        collect.connect(i=exc_index, j=copy_of[exc_index])
        self._lfp_monitor = b2.StateMonitor(lfp, "lfp", record=True, dt=1 * b2.ms, name="lfp_monitor")
        self._spikes = b2.SpikeMonitor(group, name="spikes")
        self._group, self._exc, self._inh = group, exc, inh
        # Per-run values must be in place before the synaptic queues are
        # prepared. Brian2 does not let run_args set synaptic indices
        # (read-only), so the binary reads each run's presynaptic partners
        # from a file written next to it.
        self.device.apply_run_args()
        for synapses in (exc, inh):
            array = self.device.get_array_name(synapses.variables["_synaptic_pre"], access_data=False)
            self.device.insert_code("main", _READ_PRE_CPP.format(array=array, file=_pre_file(synapses.name)))
        net = b2.Network(group, exc, inh, lfp, collect, self._lfp_monitor, self._spikes)
        net.run((shape.warmup_s + shape.duration_s) * b2.second, namespace=namespace, profile=self.profile)
        self._net = net
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
        import brian2 as b2

        shape, config = self.shape, self.config
        if current().digest("circuit") != shape.parameters:
            raise ValueError("this compiled PFC network was built with other circuit parameters than the active set's "
                             "(get it from compiled_pfc() under the active set)")
        if len(conditions) != len(seeds) or not 0 < len(conditions) <= shape.copies:
            raise ValueError(f"need 1..{shape.copies} conditions with one seed each")
        n = shape.n_exc + shape.n_inh
        fill = shape.copies - len(conditions)
        conditions = list(conditions) + [CircuitCondition()] * fill
        seeds = list(seeds) + [int(seeds[0])] * fill
        inputs = [copy_inputs(int(s), config) for s in seeds]
        pre_e = np.concatenate([x["pre_e"] + k * n for k, x in enumerate(inputs)])
        pre_i = np.concatenate([x["pre_i"] + shape.n_exc + k * n for k, x in enumerate(inputs)])
        scale = np.repeat([c.exc_scale for c in conditions], n).astype(float)
        ext_ampa_nS, ext_nmda_nS_per_ms = _background_weights(self._is_exc_local)
        for name, pre in (("exc", pre_e), ("inh", pre_i)):
            pre.astype(np.int32).tofile(self.directory / _pre_file(name))
        run_args = {
            self._group.v: np.concatenate([x["v_mV"] for x in inputs]) * b2.mV,
            self._group.nmda_gain: np.concatenate([_condition_gain(c, self._is_exc_local) for c in conditions]),
            self._group.exc_scale: scale,
            self._group.ext_w_ampa: np.tile(ext_ampa_nS, shape.copies) / scale * b2.nS,
            self._group.ext_w_nmda: np.tile(ext_nmda_nS_per_ms, shape.copies) / scale * b2.nS / b2.ms,
            self._group.noise_key_ampa: np.concatenate([x["key_ampa"] for x in inputs]),
            self._group.noise_key_nmda: np.concatenate([x["key_nmda"] for x in inputs]),
        }
        try:
            self.device.run(directory=str(self.directory), with_output=False, run_args=run_args)
        finally:
            for name in self.device.run_args_arrays:  # one file per distinct value array; don't let them pile up
                for path in (self.directory / "static_arrays" / name, self.directory / "static_arrays" / f"{name}.lock"):
                    path.unlink(missing_ok=True)
        self.timers["runs"] += 1
        self.timers["binary_s"] += self.device.timers.get("run_binary", 0.0)
        self.timers["loop_s"] += _loop_time(self.device.results_dir)
        readouts = readouts_from_records(
            conditions[: len(conditions) - fill] if fill else conditions, config,
            np.asarray(self._spikes.i[:]), np.asarray(self._spikes.t[:] / b2.second),
            np.asarray(self._lfp_monitor.lfp[:] / b2.nA), np.asarray(self._lfp_monitor.t[:] / b2.second),
        )
        return readouts


def _results_in_memory(directory: Path) -> None:
    """Point the project's ``results`` at a per-process directory in /dev/shm (when there is one).

    Every run writes all of the network's arrays (~30 MB for 32 quick copies)
    and ketasim reads back only spikes and the LFP; on a busy disk that
    writeback costs more than the simulation (benchmarks/README.md).
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        return
    scratch = Path(tempfile.mkdtemp(prefix=f"ketasim-{os.getpid()}-", dir=shm))
    atexit.register(shutil.rmtree, scratch, True)
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
                  current().digest("circuit"))
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
