"""Global sensitivity (ketasim sensitivity): known answers through the sweep engine."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import xarray as xr

from ketasim.analysis.sensitivity import SensitivityProblem, run_sensitivity, select_parameters
from ketasim.cli import main
from ketasim.config import ConfigError
from ketasim.parameters import lookup
from tests.sweep_models import ISHIGAMI_PARAMETERS, ishigami_indices

ISHIGAMI = "tests.sweep_models:ishigami_model"
BASE = {"species": "mouse", "seed": 0}


def test_sobol_recovers_the_ishigami_indices_within_their_intervals(tmp_path):
    indices = run_sensitivity(BASE, "ishigami", tmp_path, ISHIGAMI_PARAMETERS, "sobol", n=1024, workers=1,
                              model=ISHIGAMI)
    assert indices.attrs["runs"] == indices.attrs["samples"] == 1024 * (3 + 2)
    for name, (first, total) in ishigami_indices().items():
        row = indices.sel(parameter=name)
        assert abs(float(row["S1"]) - first) <= float(row["S1_conf"]), (name, "S1")
        assert abs(float(row["ST"]) - total) <= float(row["ST_conf"]), (name, "ST")
    assert (tmp_path / "sensitivity.png").stat().st_size > 0
    xr.testing.assert_identical(xr.load_dataset(tmp_path / "sensitivity.nc"), indices)
    table = json.loads((tmp_path / "sensitivity.json").read_text())
    assert [row["parameter"] for row in table["parameters"]] == list(ISHIGAMI_PARAMETERS)


def test_morris_ranks_the_ishigami_inputs_and_resumes_from_its_store(tmp_path, monkeypatch):
    log = tmp_path / "points.log"
    monkeypatch.setenv("KETASIM_TEST_POINT_LOG", str(log))
    first = run_sensitivity(BASE, "ishigami", tmp_path / "m", ISHIGAMI_PARAMETERS, "morris", n=20, workers=1,
                            model=ISHIGAMI)
    computed = len(log.read_text().splitlines())
    assert first.attrs["samples"] == 20 * 4 and first.attrs["runs"] == computed  # revisited points run once
    mu_star = first["mu_star"].to_series()
    # x3 acts only through its interaction with x1 (0.1 x3^4 sin x1): the smallest mean absolute effect.
    assert mu_star.idxmin() == ISHIGAMI_PARAMETERS[2] and (mu_star > 0).all()
    again = run_sensitivity(BASE, "ishigami", tmp_path / "m", ISHIGAMI_PARAMETERS, "morris", n=20, workers=1,
                            model=ISHIGAMI)
    assert len(log.read_text().splitlines()) == computed  # nothing recomputed
    xr.testing.assert_identical(again, first)


def test_runs_through_a_dask_scheduler_like_any_sweep(tmp_path, monkeypatch):
    from distributed import LocalCluster

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    local = run_sensitivity(BASE, "ishigami", tmp_path / "local", ISHIGAMI_PARAMETERS, "morris", n=4, workers=1,
                            model=ISHIGAMI)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        remote = run_sensitivity(BASE, "ishigami", tmp_path / "dask", ISHIGAMI_PARAMETERS, "morris", n=4,
                                 scheduler=cluster.scheduler_address, model=ISHIGAMI)
    xr.testing.assert_identical(remote, local)


def test_a_parameter_the_metric_does_not_read_gets_no_effect(tmp_path):
    # Plasma Cmax depends on the volume and the absorption rate; spine turnover cannot touch it.
    chosen = ["pharmacology.mouse.ketamine.v1", "pharmacology.rodent.ka.ip", "signalling.spines.tau"]
    base = {"species": "mouse", "seed": 0, "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip",
                                                       "at": "0 h"}]}
    indices = run_sensitivity(base, "plasma_cmax_uM", tmp_path, chosen, "morris", n=4, quick=True, workers=1)
    mu_star = indices["mu_star"].to_series()
    assert mu_star["signalling.spines.tau"] == 0.0 and indices.sel(parameter="signalling.spines.tau")["sigma"] == 0
    assert mu_star["pharmacology.mouse.ketamine.v1"] > 0 and mu_star["pharmacology.rodent.ka.ip"] > 0


def test_sampling_stays_inside_the_declared_ranges_and_is_log_uniform_for_multiplicative_ones():
    problem = SensitivityProblem.of([lookup(k) for k in ISHIGAMI_PARAMETERS])
    assert problem.log.all()  # x0.5 to x2 ranges
    corners = np.array([[np.log(p.bounds[0]) for p in problem.parameters],
                        [np.log(p.bounds[1]) for p in problem.parameters]])
    values = problem.values(corners)
    np.testing.assert_allclose(problem.unit_position(values), [[0, 0, 0], [1, 1, 1]], atol=1e-12)
    fraction = SensitivityProblem.of([lookup("pharmacology.p_open.interneuron"),
                                      lookup("pharmacology.composition.interneuron.GluN2A")])
    assert fraction.log.tolist() == [True, False]  # [0.05, 0.2] spans x4; [0, 1] is a fraction


@pytest.mark.parametrize(("patterns", "method", "n", "key", "fragment"), [
    (["nope.*"], "morris", 4, "--parameters", "matches no registered parameter"),
    (["pharmacology.anisomycin.t_half", "signalling.spines.tau"], "morris", 4, "--parameters", "no finite range"),
    (["signalling.spines.tau"], "morris", 4, "--parameters", "at least two"),
    (list(ISHIGAMI_PARAMETERS), "sobol", 100, "--n", "power of 2"),
    (list(ISHIGAMI_PARAMETERS), "fast", 4, "--method", "allowed: morris, sobol"),
    (["circuit.bla.cs_overlap", "signalling.spines.tau"], "morris", 4, "--parameters", "config key fear.cs_overlap"),
])
def test_bad_requests_are_refused_before_anything_runs(tmp_path, patterns, method, n, key, fragment):
    with pytest.raises(ConfigError) as error:
        run_sensitivity(BASE, "ishigami", tmp_path / "out", patterns, method, n, model=ISHIGAMI)
    assert error.value.source == key and fragment in error.value.message
    assert not (tmp_path / "out").exists()


def test_default_selection_is_every_fitted_parameter_with_a_finite_range_a_scenario_does_not_set():
    from ketasim.parameters import registry

    chosen = {p.key for p in select_parameters()}
    # ... but the one a scenario sets through a config key of its own (fear.cs_overlap): a sweep varies that.
    assert chosen == {p.key for p in registry() if p.fitted and all(np.isfinite(p.bounds))} - {"circuit.bla.cs_overlap"}
    assert "circuit.bla.cs_overlap" not in {p.key for p in select_parameters(["circuit.bla.*"])}
    assert len(chosen) >= 80


def test_command_line(tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["sensitivity", "default", "--metric", "ishigami", "--method", "morris", "--n", "4", "--workers", "1",
            "--out", str(out), "--no-progress", "--model", ISHIGAMI]
    for name in ISHIGAMI_PARAMETERS:
        args += ["--parameters", name]
    assert main(args) == 0
    assert "largest mu_star: " in capsys.readouterr().err
    assert (out / "sensitivity.nc").exists()
    assert main(["sensitivity", "default", "--metric", "x", "--parameters", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_python_api_mirrors_the_command(tmp_path):
    import ketasim

    with pytest.raises(ConfigError, match="^vary: nope"):
        ketasim.sensitivity("default", metric="x", vary=["nope"], out=tmp_path / "o")
    assert not (tmp_path / "o").exists()
