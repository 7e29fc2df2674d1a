"""Stress events, the stress load, its connectivity shift and the forced-swim readout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ketasim.config import ConfigError, validate_scenario
from ketasim.protocols.forced_swim import IMMOBILITY_BASELINE, coping_drive, immobility
from ketasim.protocols.stress_events import parse_stress
from ketasim.signalling import simulate_cascade
from ketasim.signalling.parameters import region_params
from ketasim.signalling.stress import REFERENCE_INTERVAL_H, TAU_LOAD_H, session_load, stress_load

CHRONIC = {"event": "stress", "at": "0 h", "kind": "chronic"}


def ketamine(dose: float, at: str) -> dict:
    return {"drug": "ketamine" if dose else "saline", "dose": f"{dose} mg/kg", "route": "ip", "at": at}


def scenario(*events: dict, dosing: list | None = None) -> dict:
    return {"species": "mouse", "seed": 0, "protocol": list(events), "dosing": dosing or []}


# --- stress load --------------------------------------------------------------------------------------------------

def test_one_session_load_matches_the_closed_form():
    tau, d, intensity, start = TAU_LOAD_H(), 2.0, 1.5, 10.0
    t = np.array([0.0, 10.0, 11.0, 12.0, 36.0, 200.0])
    rate = REFERENCE_INTERVAL_H() / tau * intensity / d  # load per hour during the session
    end = rate * tau * (1 - np.exp(-d / tau))
    expected = [0.0, 0.0, rate * tau * (1 - np.exp(-1.0 / tau)), end, end * np.exp(-24.0 / tau),
                end * np.exp(-188.0 / tau)]
    np.testing.assert_allclose(session_load(t, start, d, intensity), expected, rtol=1e-12)


def test_load_solves_its_ode():
    """Finite-difference check of dL/dt = J I / d (in session) - L / tau."""
    sessions = [(0.0, 2.0, 1.0), (24.0, 2.0, 2.0)]
    t = np.linspace(0.0, 60.0, 60001)
    load = stress_load(t, sessions)
    inside = ((t > 0) & (t < 2)) | ((t > 24) & (t < 26))
    intensity = np.where(t > 20, 2.0, 1.0)
    source = np.where(inside, REFERENCE_INTERVAL_H() / TAU_LOAD_H() * intensity / 2.0, 0.0)
    derivative = np.gradient(load, t)
    interior = np.ones_like(t, dtype=bool)
    for edge in (0.0, 2.0, 24.0, 26.0):
        interior &= np.abs(t - edge) > 0.01
    np.testing.assert_allclose(derivative[interior], (source - load / TAU_LOAD_H())[interior], atol=1e-6)


def test_daily_sessions_give_a_mean_load_of_one():
    days = 21
    t = np.linspace(0.0, days * 24.0, days * 24 * 12 + 1)
    load = stress_load(t, [(24.0 * k, 2.0, 1.0) for k in range(days)])
    last_day = t >= (days - 1) * 24.0
    assert np.mean(load[last_day]) == pytest.approx(1.0, abs=0.03)
    # A session's impulse does not depend on its length (habituating hormonal response).
    short = stress_load(t, [(0.0, 1.0, 1.0)])
    long = stress_load(t, [(0.0, 6.0, 1.0)])
    assert short[-1] == pytest.approx(long[-1], rel=0.05)


def test_cascade_without_stress_is_unchanged_and_stress_shifts_spines_by_region():
    t = np.linspace(0.0, 40 * 24.0, 401)
    ones, zeros = np.ones_like(t), np.zeros_like(t)
    plain = simulate_cascade(t, ones, zeros)
    np.testing.assert_allclose(simulate_cascade(t, ones, zeros, stress=zeros).states, plain.states)
    sustained = simulate_cascade(t, ones, zeros, stress=ones)
    for region in ("pfc", "hpc", "bla"):
        settled = sustained.relative("spine_density", region)[0, -1]
        assert settled == pytest.approx(np.exp(region_params()[region].stress_spines), rel=1e-3)
    assert sustained.relative("spine_density", "pfc")[0, -1] < 1 < sustained.relative("spine_density", "bla")[0, -1]
    # Stress acts on spines only, not upstream of them.
    np.testing.assert_allclose(sustained.relative("mtor", "pfc"), plain.relative("mtor", "pfc"))


def test_stress_batches_like_the_other_inputs():
    t = np.linspace(0.0, 10 * 24.0, 101)
    ones = np.ones((2, t.size))
    load = np.stack([np.zeros_like(t), np.ones_like(t)])
    both = simulate_cascade(t, ones, 0 * ones, stress=load)
    alone = simulate_cascade(t, ones[1], 0 * ones[1], stress=load[1])
    # Batching changes the BDF steps (one error norm over the batch), not the equations: both runs sit within
    # the solver's global error of each other, which at RTOL 1e-6 is up to about 2e-5 relative here (measured
    # against an RTOL 1e-10 reference). A wiring error (the wrong item's load) would differ by about 0.1.
    np.testing.assert_allclose(both.states[..., 1, :], alone.states[..., 0, :], rtol=5e-5, atol=1e-8)
    np.testing.assert_allclose(both.states[..., 0, :], simulate_cascade(t, ones[0], 0 * ones[0]).states[..., 0, :],
                               rtol=5e-5, atol=1e-8)


# --- event fields -------------------------------------------------------------------------------------------------

def test_stress_defaults():
    assert parse_stress({}).sessions == 1
    chronic = parse_stress({"kind": "chronic"})
    assert (chronic.sessions, chronic.every_h, chronic.duration_h, chronic.intensity) == (21, 24.0, 2.0, 1.0)
    assert chronic.starts_h(5.0)[-1] == pytest.approx(5.0 + 20 * 24.0)


@pytest.mark.parametrize(("fields", "key", "allowed"), [
    ({"kind": "mild"}, "kind", "acute, chronic"),
    ({"sessions": 0}, "sessions", "whole number from 1"),
    ({"sessions": 2.5}, "sessions", "whole number"),
    ({"every": "3 mg/kg"}, "every", "a time"),
    ({"duration": "20 h"}, "duration", "out of range"),
    ({"intensity": 4}, "intensity", "0 to 3"),
    ({"kind": "chronic", "every": "1 h", "duration": "2 h"}, "duration", "ends before the next"),
    ({"strength": 1}, "strength", "allowed: kind, sessions"),
])
def test_bad_stress_fields_name_the_key(fields, key, allowed):
    with pytest.raises(ConfigError) as error:
        validate_scenario(scenario({"event": "stress", "at": "0 h", **fields}))
    message = str(error.value)
    assert f"protocol.0.{key}" in message and allowed in message and "\n" not in message


def test_forced_swim_takes_no_fields():
    with pytest.raises(ConfigError, match=r"protocol\.0\.minutes: unknown key"):
        validate_scenario(scenario({"event": "forced_swim", "at": "0 h", "minutes": 6}))


def test_chronic_stress_extends_the_default_span():
    config = validate_scenario(scenario(CHRONIC))
    assert config.span_h() == pytest.approx(20 * 24.0 + 2.0 + 24.0)
    with pytest.raises(ConfigError, match="duration"):
        validate_scenario({**scenario(CHRONIC), "duration": "7 d"})


# --- readout ------------------------------------------------------------------------------------------------------

def test_immobility_mapping():
    assert immobility(coping_drive(1.0, 1.0)) == pytest.approx(IMMOBILITY_BASELINE())
    assert immobility(coping_drive(0.8, 1.0)) > IMMOBILITY_BASELINE() > immobility(coping_drive(1.1, 1.0))
    # Only a rise of mTORC1 counts: mtor switched off (series 0) leaves drug-free behaviour alone.
    assert immobility(coping_drive(1.0, 0.0)) == pytest.approx(IMMOBILITY_BASELINE())
    assert immobility(coping_drive(1.0, 1.5)) < IMMOBILITY_BASELINE()
    assert 0.0 < float(immobility(-50.0)) <= 1.0 and 0.0 <= float(immobility(50.0)) < 1.0


# --- scenarios (quick) --------------------------------------------------------------------------------------------

FST = {"event": "forced_swim", "at": "22 d"}


@pytest.fixture(scope="module")
def stress_runs(run_quick):
    return {
        "control": run_quick(scenario(FST, dosing=[ketamine(0, "21 d")])),
        "stress_saline": run_quick(scenario(CHRONIC, FST, dosing=[ketamine(0, "21 d")])),
        "stress_ketamine": run_quick(scenario(CHRONIC, FST, dosing=[ketamine(10, "21 d")])),
    }


def test_chronic_stress_raises_immobility_and_lowers_pfc_spines(stress_runs):
    control, stressed = stress_runs["control"].metrics, stress_runs["stress_saline"].metrics
    assert control["immobility_fst"] == pytest.approx(IMMOBILITY_BASELINE(), abs=1e-3)
    assert 1.2 < stressed["immobility_fst"] / control["immobility_fst"] < 1.7
    assert stressed["pfc_spine_density_fst"] < 0.9 * control["pfc_spine_density_fst"]
    assert stressed["pfc_spine_density_after_stress"] == pytest.approx(0.84, abs=0.02)  # Radley et al. 2006


def test_stress_shifts_connectivity_hpc_down_bla_up(stress_runs):
    m = stress_runs["stress_saline"].metrics
    assert m["hpc_spine_density_after_stress"] < 0.9
    assert m["bla_spine_density_after_stress"] > 1.1
    ts = stress_runs["stress_saline"].timeseries
    assert ts["stress_load"].max() > 1.0 and ts["stress_load"].min() >= 0.0
    assert ts["bla_synaptic_strength"].max() > 1.1 > 0.9 > ts["pfc_synaptic_strength"].min()


def test_ketamine_after_stress_lowers_immobility_and_restores_pfc_spines(stress_runs):
    saline, drug = stress_runs["stress_saline"].metrics, stress_runs["stress_ketamine"].metrics
    assert drug["immobility_fst"] < saline["immobility_fst"] - 0.03
    assert drug["pfc_spine_density_fst"] > saline["pfc_spine_density_fst"] + 0.02
    assert "stress.png" in stress_runs["stress_ketamine"].figures


def test_ketamine_one_hour_before_the_test_is_antidepressant_like(run_quick):
    """E07: 10 mg/kg 1 h before the test lowers immobility (the fast, mTORC1-dependent phase)."""
    fst = {"event": "forced_swim", "at": "1 h"}
    saline = run_quick(scenario(fst, dosing=[ketamine(0, "0 h")])).metrics["immobility_fst"]
    drug = run_quick(scenario(fst, dosing=[ketamine(10, "0 h")])).metrics["immobility_fst"]
    rapamycin_like = run_quick({**scenario(fst, dosing=[ketamine(10, "0 h")]), "mechanisms": {"mtor": 0}})
    assert drug < 0.8 * saline
    assert rapamycin_like.metrics["immobility_fst"] == pytest.approx(saline, abs=0.01)


def test_stress_without_a_drug_runs_the_cascade_and_several_tests_get_suffixes(run_quick):
    result = run_quick(scenario({**CHRONIC, "sessions": 5}, {"event": "forced_swim", "at": "0 h"},
                                {"event": "forced_swim", "at": "5 d"}))
    m = result.metrics
    assert m["immobility_fst_test1"] == pytest.approx(IMMOBILITY_BASELINE(), abs=1e-3)
    assert m["immobility_fst_test2"] > m["immobility_fst_test1"]
    assert m["immobility_fst"] == m["immobility_fst_test2"]
    assert "stress_load" in result.timeseries


def test_config_runs_end_to_end(tmp_path):
    from ketasim.cli import main

    out = tmp_path / "out"
    config = Path(__file__).resolve().parents[1] / "configs" / "chronic_stress_fst.yaml"
    assert main(["run", str(config), "--quick", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.0 < metrics["immobility_fst"] < 1.0
    assert (out / "stress.png").exists()


@pytest.mark.slow
def test_stress_before_conditioning_raises_fear_through_the_connectivity_shift(run_quick):
    """Weaker IL input and stronger BLA synapses after chronic stress: more CS+ freezing at test."""
    fear = [{"event": "conditioning", "at": "21 d", "trials": 5}, {"event": "test", "at": "22 d", "cues": ["plus"]}]
    control = run_quick(scenario(*fear)).metrics["freezing_cs_plus"]
    stressed = run_quick(scenario(CHRONIC, *fear)).metrics["freezing_cs_plus"]
    assert stressed > control + 0.03


def test_stress_of_the_wrong_shape_is_refused():
    t = np.linspace(0.0, 24.0, 11)
    with pytest.raises(ValueError, match="stress needs one value per time point"):
        simulate_cascade(t, np.ones_like(t), np.zeros_like(t), stress=np.zeros(5))
