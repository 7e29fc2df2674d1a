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
  :func:`ketasim.circuit.bla.constants` (the key: :func:`~ketasim.circuit.bla.signature`).

After the build, a manifest next to the binary names its command-line
variables and result files, so the binary runs without Brian2's device: one
process can hold several compiled BLA networks and the compiled PFC network
at once, and every process with the same key (a sweep's workers, a later
run) runs the binary on disk without generating any code. Binaries live in
a directory all processes share (built under a file lock); each process runs
them from a scratch directory of its own, which holds its per-run files
(values, presynaptic partners, results) and links to the binary's static arrays.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
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
    session_values,
    signature,
    timed_values,
)
from ketasim.circuit.compiled import READ_PRE_CPP, forget_loaded_network, memory_temp_root
from ketasim.settings import settings

__all__ = ["CompiledBLA", "bla_key", "compiled_bla"]

VERSION = 7  # bump when the declaration or the manifest changes


class CompiledBLA:
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
    """

    def __init__(self, config: BLAConfig, rule: LearningRule, bins: int, directory: str | Path, key: str):
        from brian2.utils.filelock import FileLock

        self.config, self.bins = config, int(bins)
        self.directory = Path(directory)
        self.layout = Layout.of(config)
        self.key = key
        self.timers = {"runs": 0, "binary_s": 0.0, "build_s": 0.0}
        manifest = self.directory / "ketasim_manifest.json"
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.directory) + ".lock"):  # one process builds; the others wait and reuse
            known = json.loads(manifest.read_text()) if manifest.exists() else {}
            if known.get("key") != self.key or not (self.directory / "main").exists():
                start = time.perf_counter()
                known = self._build(rule)
                manifest.write_text(json.dumps(known, indent=1))
                self.timers["build_s"] = time.perf_counter() - start
        self.manifest = known
        self.scratch = Path(tempfile.mkdtemp(prefix=f"ketasim-bla-{os.getpid()}-", dir=memory_temp_root()))  # every run writes all arrays
        atexit.register(shutil.rmtree, self.scratch, True)
        (self.scratch / "results").mkdir()
        (self.scratch / "values").mkdir()
        (self.scratch / "static_arrays").symlink_to(self.directory / "static_arrays", target_is_directory=True)
        self._partners_of = ""  # digest of the partners the files in scratch hold

    def _build(self, rule: LearningRule) -> dict:
        """Declare the network, record its run, compile the project; return the manifest."""
        import brian2 as b2

        forget_loaded_network()  # the compiled PFC's device is about to be reset under it
        gc.collect()
        self.directory.mkdir(parents=True, exist_ok=True)
        b2.set_device("cpp_standalone", directory=str(self.directory), build_on_run=False)
        device = b2.get_device()
        device.reinit()
        device.activate(directory=str(self.directory), build_on_run=False)
        b2.prefs.logging.console_log_level = "WARNING"
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        try:
            declaration = BLADeclaration(self.config, rule, self.bins, stoppable=True)
            device.apply_run_args()
            pre_files = {}
            for name, synapses in declaration.synapses.items():
                array = device.get_array_name(synapses.variables["_synaptic_pre"], access_data=False)
                # The binary holds indices into the source's whole group (a subgroup starts further in).
                pre_files[name] = [f"ketasim_{name}_pre.int32", int(getattr(synapses.source, "start", 0))]
                device.insert_code("main", READ_PRE_CPP.format(array=array, file=pre_files[name][0]))
            declaration.net.run(self.bins * BIN_S * b2.second, namespace=declaration.namespace)
            device.build(directory=str(self.directory), compile=True, run=False, with_output=False)
            owners = {**declaration.groups, **declaration.synapses, "session_end": declaration.stop}
            args = {}
            for name in session_values(self.layout, SessionInputs.blank(self.layout, self.bins), stoppable=True):
                group, variable = name.split(".")
                args[name] = np.dtype(owners[group].variables[variable].dtype).name
            spikes, plastic = declaration.spikes, declaration.synapses["plastic"]
            return {
                "key": self.key,
                "arguments": args,
                "timed": {name: str(np.dtype(float)) for name in declaration.timed},
                "pre_files": pre_files,
                "results": {
                    "spike_i": [device.get_array_filename(spikes.variables["i"]), "int32"],
                    "spike_t": [device.get_array_filename(spikes.variables["t"]), "float64"],
                    "weights": [device.get_array_filename(plastic.variables["w"]), "float64"],
                },
            }
        finally:
            b2.set_device("runtime")
            device.reinit()

    def run(self, inputs: SessionInputs, partners: dict[str, np.ndarray]) -> SessionRecord:
        """Run one session: write its values, run the binary, read spikes and weights back."""
        digest = hashlib.sha1(b"".join(np.asarray(partners[name]).tobytes() for name in sorted(partners))).hexdigest()
        if digest != self._partners_of:  # another network's wiring: rewrite the files
            for name, (file, start) in self.manifest["pre_files"].items():
                (np.asarray(partners[name]) + start).astype(np.int32).tofile(self.scratch / file)
            self._partners_of = digest
        argv = [str(self.directory / "main"), "--results_dir", f"{self.scratch / 'results'}/"]
        values = session_values(self.layout, inputs, stoppable=True)
        for name, dtype in self.manifest["arguments"].items():
            argv.append(self._argument(name, values[name], dtype))
        for name, value in timed_values(inputs).items():
            argv.append(self._argument(f"{name}.values", value, self.manifest["timed"][name]))
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=self.scratch, capture_output=True, text=True)
        self.timers["binary_s"] += time.perf_counter() - start
        self.timers["runs"] += 1
        if done.returncode:
            raise RuntimeError(f"compiled BLA binary failed ({self.directory}): {(done.stdout + done.stderr).strip()[-800:]}")
        read = {name: np.fromfile(self.scratch / "results" / file, dtype=dtype)
                for name, (file, dtype) in self.manifest["results"].items()}
        return SessionRecord(read["spike_i"], read["spike_t"], read["weights"])

    def _argument(self, name: str, value, dtype: str) -> str:
        array = np.asarray(value, dtype=dtype)
        if array.size == 1:
            return f"{name}={array.item()!r}"
        path = self.scratch / "values" / f"{name}.dat"
        array.tofile(path)
        return f"{name}={path}"


_LOADED: dict[str, CompiledBLA] = {}


def bla_key(config: BLAConfig, rule: LearningRule, bins: int) -> str:
    """The binary's key: this module's version and the digest of what is compiled in."""
    return f"v{VERSION}-{signature(config, rule, bins)}"


def compiled_bla(config: BLAConfig, rule: LearningRule, bins: int) -> CompiledBLA:
    """The compiled network for this shape and the active set's constants: loaded, found on disk, or built."""
    key = bla_key(config, rule, bins)
    if key not in _LOADED:
        directory = settings().shared_standalone_root() / f"bla-{config.principal_cells}-{bins}-{key}"
        _LOADED[key] = CompiledBLA(config, rule, bins, directory, key)
    return _LOADED[key]
