"""Build once, run many: a Brian2 ``cpp_standalone`` binary shared by every process and run without Brian2.

The compiled BLA and LHb networks (:mod:`ketasim.circuit.bla_compiled`,
:mod:`ketasim.circuit.lhb_compiled`) declare a network once under Brian2's
standalone device and record its run; :class:`StandaloneBinary` compiles
that project **once per key** (sizes and compiled-in constants) and then
reruns the binary as a plain subprocess, with each run's values on its
command line (Brian2's ``run_args`` syntax: ``group.variable=value`` or
``=file``; ``timedarray.values=file``):

* a manifest next to the binary names its command-line variables, its
  TimedArrays, the synapse objects whose presynaptic partners it reads from
  files (``run_args`` cannot set synaptic indices) and its result files, so a
  run needs no Brian2 device: one process can hold several binaries (and the
  compiled PFC's device) at once;
* binaries live in a directory every process shares and are built under a
  file lock; a sweep's workers and later runs find them on disk and compile
  nothing;
* each process runs a binary from a scratch directory of its own (in
  /dev/shm when the machine has one), which holds its per-run files (values,
  partners, results) and links to the binary's static arrays;
* a run is a function of its inputs (the networks draw every random number
  from counter-based streams keyed by a value), so a run repeated with the
  same inputs (the conditioning session every arm of a fear experiment
  shares, the drug-free control of every LHb recording) is answered from a
  memo of recent runs.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import subprocess
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ketasim.circuit.compiled import READ_PRE_CPP, forget_loaded_network, scratch_directory
from ketasim.parameters import ParameterSet, using

__all__ = ["Declared", "PerRunConstants", "StandaloneBinary", "clear_memos", "under_registry"]

MEMO_BYTES = 256 * 2**20  # results of recent runs kept per binary (a fear protocol's sessions of a few seeds)


@dataclass
class Declared:
    """What a network declaration hands the builder (declared under the standalone device).

    Attributes
    ----------
    run : callable
        Records the network's run (``net.run(duration, namespace=...)``).
    owners : dict
        Group or synapse object by name: the owners of the command-line variables ``"name.variable"``.
    arguments : list of str
        Command-line variables ``"name.variable"``, each set on every run.
    timed : list of str
        TimedArrays whose values every run sets.
    partners : dict
        Synapse objects whose presynaptic partners every run reads from a file.
    results : dict
        Result name → Brian2 variable whose array a run reads back.
    """

    run: Callable[[], None]
    owners: dict[str, Any]
    arguments: list[str]
    timed: list[str] = field(default_factory=list)
    partners: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)


class PerRunConstants:
    """A compiled network that may read its constants per run: ``constants`` holds their values (empty when the
    binary has them compiled in), and :meth:`bound` gives the same binary with another parameter set's values."""

    constants: dict[str, Any]

    def bound(self, constants: dict[str, Any]):
        """This binary, run with these values of the constants it reads per run (the same binary and memo)."""
        if sorted(constants) != sorted(self.constants):
            raise ValueError(f"this {type(self).__name__} binary does not read those constants per run")
        twin = copy.copy(self)
        twin.constants = constants
        return twin


def under_registry(compute: Callable[[], str]) -> str:
    """``compute()`` (a binary's key) under the registry's parameter values: a parameter set whose key differs
    from it runs the binary that reads its constants per run."""
    with using(ParameterSet()):
        return compute()


class StandaloneBinary:
    """A compiled ``cpp_standalone`` project: built once per key, rerun per call from a per-process scratch directory.

    Parameters
    ----------
    directory : path
        Project directory in the shared root (reused when its manifest has this key).
    key : str
        What is compiled in: a manifest with another key is rebuilt.
    declare : callable
        Declares the network under the standalone device and returns its :class:`Declared`.
    label : str
        Names the network in errors and scratch directories.
    """

    def __init__(self, directory: str | Path, key: str, declare: Callable[[], Declared], label: str):
        from brian2.utils.filelock import FileLock

        self.directory, self.key, self.label = Path(directory), key, label
        self.timers = {"runs": 0, "binary_s": 0.0, "build_s": 0.0}
        manifest = self.directory / "ketasim_manifest.json"
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.directory) + ".lock"):  # one process builds; the others wait and reuse
            known = json.loads(manifest.read_text()) if manifest.exists() else {}
            if known.get("key") != self.key or not (self.directory / "main").exists():
                start = time.perf_counter()
                known = self._build(declare)
                manifest.write_text(json.dumps(known, indent=1))
                self.timers["build_s"] = time.perf_counter() - start
        self.manifest = known
        self.scratch = scratch_directory(f"ketasim-{label}-")
        (self.scratch / "results").mkdir()
        (self.scratch / "values").mkdir()
        (self.scratch / "static_arrays").symlink_to(self.directory / "static_arrays", target_is_directory=True)
        self._partners_of = ""  # digest of the partners the files in scratch hold
        self._memo: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()  # recent runs by their inputs' digest
        self._memo_bytes = 0
        _BINARIES.add(self)

    def _build(self, declare: Callable[[], Declared]) -> dict:
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
            declared = declare()
            device.apply_run_args()
            pre_files = {}
            for name, synapses in declared.partners.items():
                array = device.get_array_name(synapses.variables["_synaptic_pre"], access_data=False)
                # The binary holds indices into the source's whole group (a subgroup starts further in).
                pre_files[name] = [f"ketasim_{name}_pre.int32", int(getattr(synapses.source, "start", 0))]
                device.insert_code("main", READ_PRE_CPP.format(array=array, file=pre_files[name][0]))
            declared.run()
            device.build(directory=str(self.directory), compile=True, run=False, with_output=False)
            arguments = {}
            for name in declared.arguments:
                owner, variable = name.split(".")
                arguments[name] = np.dtype(declared.owners[owner].variables[variable].dtype).name
            return {
                "key": self.key,
                "arguments": arguments,
                "timed": {name: str(np.dtype(float)) for name in declared.timed},
                "pre_files": pre_files,
                "results": {name: [device.get_array_filename(variable), np.dtype(variable.dtype).name]
                            for name, variable in declared.results.items()},
            }
        finally:
            b2.set_device("runtime")
            device.reinit()

    def run(self, values: Mapping[str, Any], timed: Mapping[str, Any] | None = None,
            partners: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Run the binary once: write the values, run it, return its result arrays by name (read-only).

        A run is a function of its values, TimedArrays and partners (every
        random draw is a counter-based stream keyed by a value), so a repeated
        run is answered from the memo of recent runs instead.

        Parameters
        ----------
        values : mapping
            Every command-line variable of the manifest (``"name.variable"`` → value, array or Brian2 quantity).
        timed : mapping, optional
            Every TimedArray's values.
        partners : mapping, optional
            Presynaptic partners per synapse object of the manifest (rewritten only when they change).
        """
        arrays = {name: np.asarray(values[name], dtype=dtype) for name, dtype in self.manifest["arguments"].items()}
        arrays.update({f"{name}.values": np.asarray((timed or {})[name], dtype=dtype)
                       for name, dtype in self.manifest["timed"].items()})
        partners = partners or {}
        digest = hashlib.sha1()
        for name, array in arrays.items():
            digest.update(name.encode() + array.tobytes())
        if self.manifest["pre_files"]:
            wiring = hashlib.sha1(b"".join(np.asarray(partners[name]).tobytes() for name in sorted(partners))).hexdigest()
            digest.update(wiring.encode())
        key = digest.hexdigest()
        if key in self._memo:
            self._memo.move_to_end(key)
            self.timers["memo_hits"] = self.timers.get("memo_hits", 0) + 1
            return self._memo[key]
        if self.manifest["pre_files"] and wiring != self._partners_of:  # another network's wiring: rewrite the files
            for name, (file, start) in self.manifest["pre_files"].items():
                (np.asarray(partners[name]) + start).astype(np.int32).tofile(self.scratch / file)
            self._partners_of = wiring
        argv = [str(self.directory / "main"), "--results_dir", f"{self.scratch / 'results'}/"]
        argv += [self._argument(name, array) for name, array in arrays.items()]
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=self.scratch, capture_output=True, text=True)
        self.timers["binary_s"] += time.perf_counter() - start
        self.timers["runs"] += 1
        if done.returncode:
            raise RuntimeError(f"compiled {self.label} binary failed ({self.directory}): "
                               f"{(done.stdout + done.stderr).strip()[-800:]}")
        results = {name: np.fromfile(self.scratch / "results" / file, dtype=dtype)
                   for name, (file, dtype) in self.manifest["results"].items()}
        for array in results.values():
            array.flags.writeable = False  # shared with later identical runs
        self._remember(key, results)
        return results

    def _remember(self, key: str, results: dict[str, np.ndarray]) -> None:
        self._memo[key] = results
        self._memo_bytes += _nbytes(results)
        while len(self._memo) > 1 and self._memo_bytes > MEMO_BYTES:
            self._memo_bytes -= _nbytes(self._memo.popitem(last=False)[1])

    def _argument(self, name: str, array: np.ndarray) -> str:
        if array.size == 1:
            return f"{name}={array.item()!r}"
        path = self.scratch / "values" / f"{name}.dat"
        array.tofile(path)
        return f"{name}={path}"


def _nbytes(results: dict[str, np.ndarray]) -> int:
    return sum(a.nbytes for a in results.values())


_BINARIES: weakref.WeakSet[StandaloneBinary] = weakref.WeakSet()


def clear_memos() -> None:
    """Forget the remembered runs of every binary this process holds (the next runs run the binaries)."""
    for binary in list(_BINARIES):
        binary._memo.clear()
        binary._memo_bytes = 0
