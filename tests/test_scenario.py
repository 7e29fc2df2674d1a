"""Acute scenarios: ketamine vs saline in the PFC, determinism, dose schedules."""

import numpy as np
import pytest

from ketasim.config import validate_scenario
from ketasim.scenario import simulate, time_grid
from tests.scenarios import ip_dose

SALINE_FORMS = [ip_dose(0), {**ip_dose(0), "dosing": [{"drug": "saline", "dose": "0 mg/kg", "route": "ip"}]}]


@pytest.mark.parametrize("saline", SALINE_FORMS, ids=["ketamine 0 mg/kg", "drug: saline"])
@pytest.mark.parametrize("dose", [10, 30])
def test_ketamine_disinhibits_pfc_relative_to_saline(run_quick, saline, dose):
    control = run_quick(saline).metrics
    drug = run_quick(ip_dose(dose)).metrics
    assert drug["int_rate_hz"] < control["int_rate_hz"]
    assert drug["pyr_rate_hz"] > control["pyr_rate_hz"]
    assert drug["glutamate_release"] > control["glutamate_release"] == 1.0


def test_both_saline_forms_give_the_same_circuit(run_quick):
    a, b = (run_quick(s).metrics for s in SALINE_FORMS)
    for key in ("pyr_rate_hz", "int_rate_hz", "glutamate_release", "gamma_power"):
        assert a[key] == b[key]
    assert "plasma_cmax_uM" not in b  # no ketamine dose: the PK metrics do not apply


def test_higher_dose_blocks_more(run_quick):
    low, high = run_quick(ip_dose(10)).metrics, run_quick(ip_dose(30)).metrics
    assert high["nmdar_block_peak_interneuron"] > low["nmdar_block_peak_interneuron"]
    assert low["nmdar_block_peak_interneuron"] > low["nmdar_block_peak_pyramidal"]
    assert high["plasma_cmax_uM"] == pytest.approx(3 * low["plasma_cmax_uM"], rel=1e-9)  # linear PK


def test_same_config_same_metrics_bit_for_bit():
    config = validate_scenario(ip_dose(10, seed=5))
    assert simulate(config, quick=True).metrics == simulate(config, quick=True).metrics


def test_repeated_doses_overlap_in_the_timeseries():
    config = validate_scenario({
        "species": "human",
        "dosing": [{"drug": "ketamine", "dose": "0.5 mg/kg", "route": "iv_infusion", "duration": "40 min",
                    "at": "0 h", "repeat": 3, "every": "2 h"}],
    })
    t = time_grid(config)
    assert t[-1] == pytest.approx(4 + 40 / 60 + 24)
    from ketasim.pipeline.exposure import concentrations

    plasma = concentrations(config, t)["plasma_ketamine_uM"]
    ends = [t.searchsorted(s + 40 / 60) for s in (0, 2, 4)]
    assert plasma[ends[1]] > plasma[ends[0]]  # residual drug from the first infusion adds up


def test_bath_ketamine_sets_the_receptor_concentration(run_quick):
    result = run_quick({"dosing": [{"drug": "ketamine", "concentration": "10 uM", "route": "bath", "at": "0 h"}],
                        "duration": "2 h"})
    receptor = result.timeseries["receptor_ketamine_uM"]
    assert receptor[-1] == pytest.approx(10.0)
    assert result.metrics["nmdar_block_peak_interneuron"] > 0.7
    assert "plasma_cmax_uM" not in result.metrics


def test_default_span_is_last_event_plus_a_day_or_a_week():
    assert validate_scenario(ip_dose(10, at="22 h")).span_h() == pytest.approx(46.0)
    assert validate_scenario({}).span_h() == pytest.approx(168.0)
    grid = time_grid(validate_scenario({}))
    assert grid[0] == 0 and grid[-1] == pytest.approx(168.0) and np.all(np.diff(grid) > 0)


def test_a_slice_experiment_skips_the_in_vivo_layers(run_quick):
    slice_only = {"duration": "3 h", "dosing": [{"drug": "ketamine", "concentration": "3 uM", "route": "bath"}],
                  "protocol": [{"event": "slice", "at": "30 min"}]}
    result = run_quick(slice_only)
    assert result.in_vitro and not result.circuit
    assert "ltp_percent" in result.metrics
    for absent in ("pyr_rate_hz", "gamma_power", "glutamate_release", "spine_density_24h"):
        assert absent not in result.metrics
    assert not any(k.startswith("pfc_") for k in result.timeseries)
    # The same drug in vivo is not a slice: the PFC circuit runs.
    assert not run_quick({"dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip"}],
                          "duration": "2 h"}).in_vitro
