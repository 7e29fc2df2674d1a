"""Compiled and batched circuit: same results as the unbatched path (no timings here; see benchmarks/).

* Batched vs unbatched on the compiled network: every copy draws from its
  own seed, so a condition gives identical readouts alone or in a batch, in
  any slot; a sweep chunk gives each point exactly the metrics it gets alone.
* Compiled vs runtime engine (either Brian2 target): one network
  declaration, the same values and the same per-copy random streams, so the
  same spikes (readouts made of spikes equal) and the LFP to rounding (see
  the comment above the engine tests for why not bit for bit).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from ketasim.circuit.compiled import auto_copies, compiled_pfc, copy_inputs, simulate_pfc_compiled
from ketasim.circuit.pfc import CircuitCondition, PFCConfig, simulate_pfc
from ketasim.sweep.batch import chunk_tasks, run_batch
from ketasim.sweep.spec import parse_sweep

QUICK = PFCConfig.quick()
COPIES = 4  # one compiled shape for every test here
BLOCKED = CircuitCondition(block_pyramidal=0.2, block_interneuron=0.5)
BASE = {"species": "mouse", "seed": 0, "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}
SCALARS = ("pyr_rate_hz", "int_rate_hz", "glutamate_release", "gamma_power", "cv_isi_pyr")


pytestmark = pytest.mark.usefixtures("standalone_dir")  # conftest: reruns reuse the compiled binaries


def _scalars(readout) -> dict[str, float]:
    return {k: v for k, v in asdict(readout).items() if k in SCALARS}


def test_a_condition_gives_identical_readouts_alone_or_in_any_batch_slot():
    conditions = [CircuitCondition(), BLOCKED, CircuitCondition(block_interneuron=0.3, exc_scale=1.2), BLOCKED]
    seeds = [3, 3, 5, 7]
    batched = simulate_pfc_compiled(conditions, seeds, QUICK, copies=COPIES)
    alone = [simulate_pfc_compiled([c], [s], QUICK, copies=COPIES)[0] for c, s in zip(conditions, seeds, strict=True)]
    shuffled = simulate_pfc_compiled(conditions[::-1], seeds[::-1], QUICK, copies=COPIES)[::-1]
    for one, two, three in zip(batched, alone, shuffled, strict=True):
        assert _scalars(one) == _scalars(two) == _scalars(three)
        np.testing.assert_array_equal(one.lfp_psd, two.lfp_psd)
    # Different seeds, and the drug, do change the result (the check above can fail).
    assert _scalars(batched[1]) != _scalars(batched[3])
    assert batched[1].pyr_rate_hz > batched[0].pyr_rate_hz


def test_copy_inputs_draw_potentials_then_partners_from_the_seed():
    inputs = copy_inputs(11, QUICK)
    rng = np.random.default_rng(11)
    assert np.array_equal(inputs["v_mV"], -70.0 + 20.0 * rng.random(QUICK.n_exc + QUICK.n_inh))
    assert inputs["pre_e"].max() < QUICK.n_exc and inputs["pre_i"].max() < QUICK.n_inh
    keys = np.concatenate([inputs["key_ampa"], inputs["key_nmda"]])
    assert np.unique(keys).size == keys.size  # every cell and channel has its own stream


def test_sweep_chunk_gives_each_point_the_metrics_it_gets_alone():
    spec = parse_sweep({"base": BASE, "grid": {"dosing.0.dose": ["0 mg/kg", "10 mg/kg", "30 mg/kg"],
                                               "seed": [0, 1]}}).with_run_options(None, True)
    tasks = [(p.hash, p.config.resolved()) for p in spec.points]
    together = run_batch(tasks, quick=True, isolate=False, copies=COPIES)
    assert [r["hash"] for r in together] == [h for h, _ in tasks]
    assert all(r["status"] == "done" for r in together), [r["error"] for r in together]
    for (point_hash, config), record in zip(tasks[1:3], together[1:3], strict=True):
        alone = run_batch([(point_hash, config)], quick=True, isolate=False, copies=COPIES)[0]
        assert alone["metrics"] == record["metrics"]
    # The +24 h circuit moment, batched over the chunk, equals the scenario run on its own.
    from ketasim.config import validate_scenario
    from ketasim.scenario import simulate

    single = simulate(validate_scenario(tasks[2][1], "<test>"), quick=True).metrics
    assert "pyr_rate_hz_24h" in together[2]["metrics"]
    assert together[2]["metrics"] == single
    # A dose-0 point is its seed's drug-free copy, shared with the dosed points of that seed.
    assert together[0]["metrics"]["pyr_rate_hz"] == together[2]["metrics"]["pyr_rate_hz_drug_free"]
    assert together[0]["metrics"]["pyr_rate_hz"] == together[4]["metrics"]["pyr_rate_hz_drug_free"]
    assert together[4]["metrics"]["pyr_rate_hz"] > together[0]["metrics"]["pyr_rate_hz"]  # 30 vs 0 mg/kg, seed 0


def test_bad_point_fails_alone_in_its_chunk():
    spec = parse_sweep({"base": BASE, "grid": {"seed": [0, 1]}}).with_run_options(None, True)
    tasks = [(p.hash, p.config.resolved()) for p in spec.points]
    broken = dict(tasks[1][1], species="dragon")
    records = run_batch([tasks[0], (tasks[1][0], broken)], quick=True, isolate=False, copies=COPIES)
    assert records[0]["status"] == "done" and records[1]["status"] == "failed"
    assert "species" in records[1]["error"]


def test_chunks_group_points_by_seed_and_cover_every_task():
    tasks = [(f"h{k}", {"seed": k % 3, "dosing": [], "circuit": {}}) for k in range(10)]
    chunks = chunk_tasks(tasks, workers=2)
    assert len(chunks) == 2 and sorted(t[0] for c in chunks for t in c) == sorted(t[0] for t in tasks)
    assert abs(len(chunks[0]) - len(chunks[1])) <= 1
    seeds = [t[1]["seed"] for c in chunks for t in c]
    assert seeds == sorted(seeds)
    assert auto_copies(QUICK, 3) == 3 and auto_copies(QUICK, 1000) == 32 and auto_copies(QUICK, 40, workers=2) == 20


# What the engines promise each other: both build PFCNetwork with the same values and the same per-copy random
# streams, so they fire the same spikes, and every readout made of spikes (rates, CV of the ISIs, release) is
# equal. The LFP (its spectrum, gamma power) agrees to rounding: the compiler evaluates the membrane update's
# -ffast-math arithmetic in another order in the C++ (constants compiled in) than in the Cython source
# (constants read at run time; a division split off for its zero check), and numpy in yet another, so a
# membrane potential may differ in its last bit. Such a difference would have to fall on a threshold crossing
# to move a spike; the readouts below came out spike for spike equal.
LFP_RTOL = 1e-9  # differences seen: about 1e-15 relative


def _assert_same_spikes_and_lfp_to_rounding(compiled, runtime) -> None:
    for one, two in zip(compiled, runtime, strict=True):
        spikes = ("pyr_rate_hz", "int_rate_hz", "glutamate_release", "cv_isi_pyr")
        assert [getattr(one, k) for k in spikes] == [getattr(two, k) for k in spikes]
        assert two.gamma_power == pytest.approx(one.gamma_power, rel=LFP_RTOL)
        np.testing.assert_allclose(two.lfp_psd, one.lfp_psd, rtol=LFP_RTOL, atol=0)
        np.testing.assert_array_equal(two.lfp_freq_hz, one.lfp_freq_hz)


def test_runtime_engine_fires_the_compiled_engines_spikes():
    """Cython target: the compiled engine's readouts for the same seeds, in a batch of another size."""
    conditions = [CircuitCondition(), BLOCKED, CircuitCondition(nmda_open_block=0.5, exc_scale=1.2)]
    for seed in (3, 4):
        compiled = simulate_pfc_compiled(conditions, [seed] * len(conditions), QUICK, copies=COPIES)
        runtime = simulate_pfc(conditions, QUICK, seed=seed, target="cython")
        _assert_same_spikes_and_lfp_to_rounding(compiled, runtime)
    # The drug changes the readouts (the checks above can fail).
    assert runtime[1].pyr_rate_hz > runtime[0].pyr_rate_hz and runtime[1].int_rate_hz < runtime[0].int_rate_hz
    assert compiled_pfc(QUICK, COPIES).shape.copies == COPIES  # the cached network was reused throughout


def test_numpy_target_fires_the_compiled_engines_spikes():
    conditions = [CircuitCondition(), BLOCKED]
    compiled = simulate_pfc_compiled(conditions, [6, 6], QUICK, copies=COPIES)
    _assert_same_spikes_and_lfp_to_rounding(compiled, simulate_pfc(conditions, QUICK, seed=6, target="numpy"))


def test_without_a_compiled_network_points_run_in_runtime_mode(monkeypatch):
    import ketasim.circuit.engine as engine

    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(engine, "simulate_pfc_compiled", broken)
    spec = parse_sweep({"base": BASE, "grid": {"seed": [0]}}).with_run_options(None, True)
    with pytest.warns(engine.CompiledEngineUnavailable, match="no C.. compiler.*runtime mode"):
        record = run_batch([(spec.points[0].hash, spec.points[0].config.resolved())], quick=True, isolate=False)[0]
    assert record["status"] == "done" and record["metrics"]["pyr_rate_hz"] > record["metrics"]["pyr_rate_hz_drug_free"]


def test_a_chunk_on_a_worker_that_differs_is_refused_point_by_point():
    from ketasim.sweep.runner import worker_identity

    spec = parse_sweep({"base": BASE, "grid": {"seed": [0, 1]}}).with_run_options(None, True)
    tasks = [(p.hash, p.config.resolved()) for p in spec.points]
    own = worker_identity()
    assert own["ketasim_engine"] in ("compiled", "runtime")
    records = run_batch(tasks, quick=True, isolate=False, copies=COPIES, expected={**own, "ketasim_engine": "other"})
    assert [r["hash"] for r in records] == [h for h, _ in tasks]
    for record in records:
        assert record["status"] == "failed" and not record["metrics"] and record["identity"] == own
        assert f"ketasim_engine {own['ketasim_engine']} on the worker, other on the coordinator" in record["error"]
    done = run_batch(tasks[:1], quick=True, isolate=False, copies=COPIES, expected=own)[0]
    assert done["status"] == "done" and done["identity"] == own


def test_an_in_vitro_point_in_a_chunk_runs_no_circuit_and_matches_simulate():
    from ketasim.config import validate_scenario
    from ketasim.scenario import simulate

    slice_only = {"duration": "3 h", "dosing": [{"drug": "ketamine", "concentration": "3 uM", "route": "bath"}],
                  "protocol": [{"event": "slice", "at": "30 min"}]}
    spec = parse_sweep({"base": slice_only, "grid": {"seed": [0]}}).with_run_options(None, True)
    in_vitro = [(p.hash, p.config.resolved()) for p in spec.points]
    in_vivo = parse_sweep({"base": BASE, "grid": {"seed": [0]}}).with_run_options(None, True).points[0]
    records = run_batch([*in_vitro, (in_vivo.hash, in_vivo.config.resolved())], quick=True, isolate=False,
                        copies=COPIES)
    assert all(r["status"] == "done" for r in records), [r["error"] for r in records]
    alone = simulate(validate_scenario(in_vitro[0][1]), quick=True)
    assert alone.in_vitro and records[0]["metrics"] == alone.metrics
    assert "ltp_percent" in records[0]["metrics"] and "pyr_rate_hz" not in records[0]["metrics"]
    assert "pyr_rate_hz" in records[1]["metrics"]


def _scratch_in_worker() -> str:
    from ketasim.circuit.compiled import scratch_directory

    return str(scratch_directory("ketasim-test-"))


def test_a_pool_workers_scratch_directory_is_removed_when_it_exits():
    # A worker leaves through os._exit, which skips atexit: its /dev/shm scratch once outlived every run.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path

    for method in ("fork", "spawn"):
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method)) as pool:
            scratch = Path(pool.submit(_scratch_in_worker).result())
            assert scratch.is_dir()
        assert not scratch.exists(), method
