"""Compiled and batched circuit: same results as the unbatched path (no timings here; see benchmarks/).

* Batched vs unbatched on the compiled network: every copy draws from its
  own seed, so a condition gives identical readouts alone or in a batch, in
  any slot; a sweep chunk gives each point exactly the metrics it gets alone.
* Compiled vs runtime engine: different random streams, so not equal spike
  for spike; over 20 seeds their means are shown *equivalent* within a
  stated margin (two one-sided Welch t-tests, TOST), with the same drug effect.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import ttest_ind

from ketasim.circuit.compiled import auto_copies, compiled_pfc, copy_inputs, simulate_pfc_compiled
from ketasim.circuit.pfc import CircuitCondition, PFCConfig, simulate_pfc
from ketasim.sweep.batch import chunk_tasks, run_batch
from ketasim.sweep.spec import parse_sweep

QUICK = PFCConfig.quick()
COPIES = 4  # one compiled shape for every test here
BLOCKED = CircuitCondition(block_pyramidal=0.2, block_interneuron=0.5)
BASE = {"species": "mouse", "seed": 0, "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}
SCALARS = ("pyr_rate_hz", "int_rate_hz", "glutamate_release", "gamma_power", "cv_isi_pyr")


@pytest.fixture(scope="module", autouse=True)
def standalone_dir():
    """A persistent build directory for the compiled network, so reruns reuse the binary."""
    root = Path(os.environ.get("KETASIM_CACHE_DIR") or Path.home() / ".cache" / "ketasim") / "test-standalone"
    old = os.environ.get("KETASIM_STANDALONE_DIR")
    os.environ["KETASIM_STANDALONE_DIR"] = str(root)
    yield root
    if old is None:
        os.environ.pop("KETASIM_STANDALONE_DIR", None)
    else:
        os.environ["KETASIM_STANDALONE_DIR"] = old


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


def test_copy_inputs_follow_the_runtime_draw_order():
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


# Equivalence margin of the engines: geometric means within a factor 0.85 (15 %) of each other. The
# drug's effect on every compared readout is larger (pyramidal rate x2.6, interneuron rate x0.7, CV of
# the ISIs x1.25 in the quick profile), so an engine whose blocked readouts stayed at drug-free values
# could not pass (the engine test checks that the same test refuses to call drug-free and blocked equivalent).
EQUIVALENCE_RATIO = 0.85
EQUIVALENCE_ALPHA = 0.05  # each one-sided test; equivalence means the 90 % CI of the log ratio is inside the margin


def _tost_p(a, b, ratio: float = EQUIVALENCE_RATIO) -> float:
    """p of two one-sided Welch t-tests (TOST) that mean(log a) - mean(log b) lies inside +-log(1/ratio).

    Small p: the geometric means of ``a`` and ``b`` differ by less than the factor ``ratio``.
    """
    la, lb, margin = np.log(a), np.log(b), -np.log(ratio)
    above_low = ttest_ind(la, lb - margin, equal_var=False, alternative="greater").pvalue
    below_high = ttest_ind(la, lb + margin, equal_var=False, alternative="less").pvalue
    return float(max(above_low, below_high))


def test_tost_declares_equivalence_only_inside_the_margin():
    rng = np.random.default_rng(0)
    base = np.exp(rng.normal(0.0, 0.1, 20))
    assert _tost_p(base * 1.02, base[::-1]) < EQUIVALENCE_ALPHA
    assert _tost_p(base * 1.3, base[::-1]) > 0.5 and _tost_p(base / 1.3, base[::-1]) > 0.5
    noisy = np.exp(rng.normal(0.0, 0.4, 40))
    assert _tost_p(noisy[:20], noisy[20:]) > EQUIVALENCE_ALPHA  # same distribution, too noisy to show it


def test_compiled_and_runtime_engines_agree_in_distribution():
    """20 seeds per engine and condition: TOST equivalence of the means (margin above) and the same drug effect."""
    seeds = list(range(20))
    compiled = simulate_pfc_compiled([c for s in seeds for c in (CircuitCondition(), BLOCKED)],
                                     [s for s in seeds for _ in range(2)], QUICK, copies=COPIES)
    runtime = [r for s in seeds for r in simulate_pfc([CircuitCondition(), BLOCKED], QUICK, seed=s)]

    def values(engine, k, name):
        return np.array([getattr(r, name) for r in engine[k::2]])

    for name in ("pyr_rate_hz", "int_rate_hz", "cv_isi_pyr"):
        for k in range(2):
            a, b = values(compiled, k, name), values(runtime, k, name)
            p = _tost_p(a, b)
            assert p < EQUIVALENCE_ALPHA, (name, k, p, a.mean(), b.mean())
        # The same test cannot call drug-free and blocked equivalent: the margin is narrower than the effect.
        assert _tost_p(values(runtime, 1, name), values(runtime, 0, name)) > EQUIVALENCE_ALPHA, name
    for engine in (compiled, runtime):
        effect = np.array([d.pyr_rate_hz - f.pyr_rate_hz for f, d in zip(engine[::2], engine[1::2], strict=True)])
        assert (effect > 0).mean() >= 0.9  # disinhibition in (nearly) every seed, in both engines
    assert compiled_pfc(QUICK, COPIES).shape.copies == COPIES  # the cached network was reused throughout


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
