"""The Python API (ketasim.simulate, sweep, window, reproduce, example, examples)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
import yaml

import ketasim
from ketasim.api import scenario_config
from ketasim.config import ConfigError, validate_scenario
from ketasim.scenario import simulate as simulate_scenario
from tests.test_reproduce import _experiments


@pytest.fixture(scope="module")
def result():
    return ketasim.simulate("default", quick=True, overrides={"dosing.0.dose": "30 mg/kg"})


def test_every_public_name_resolves_and_is_documented():
    for name in ketasim.__all__:
        value = getattr(ketasim, name)
        assert name == "__version__" or value.__doc__, f"ketasim.{name} has no docstring"
    with pytest.raises(AttributeError):
        ketasim.no_such_thing  # noqa: B018


def test_importing_ketasim_loads_neither_brian2_nor_matplotlib():
    code = "import sys, ketasim; print(any(m in sys.modules for m in ('brian2', 'matplotlib')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_examples_are_listed_by_kind_and_every_one_is_valid():
    names = {e.name: e.kind for e in ketasim.examples()}
    assert {"default", "fear_generalisation", "slice_ltp"} <= {n for n, k in names.items() if k == "scenario"}
    assert [e.name for e in ketasim.examples("sweep")] == ["pfc_dose"]
    for e in ketasim.examples("scenario"):
        assert scenario_config(ketasim.example(e.name)) == scenario_config(e.name)
    from ketasim.sweep import parse_sweep

    assert len(parse_sweep(ketasim.example("pfc_dose")).points) == 25  # self-contained: no file-relative base


def test_an_example_is_a_fresh_copy_and_an_unknown_name_lists_the_examples():
    first = ketasim.example("default")
    first["dosing"][0]["dose"] = "99 mg/kg"
    assert ketasim.example("default")["dosing"][0]["dose"] == "10 mg/kg"
    with pytest.raises(ConfigError, match="no such example; allowed: .*fear_generalisation"):
        ketasim.example("nope")
    with pytest.raises(ConfigError, match="config: nope: no such scenario example"):
        ketasim.simulate("nope")


def test_config_forms_agree(tmp_path):
    data = ketasim.example("default")
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    validated = validate_scenario(data)
    assert scenario_config(path) == scenario_config(str(path)) == scenario_config(data) == validated
    assert scenario_config(validated) is validated
    overridden = scenario_config(validated, overrides=["dosing.0.at=2 h"], parameters={"signalling.spines.tau": "5 d"})
    assert overridden.dosing[0].at == 2.0 and overridden.duration is None  # the span follows the moved dose
    assert overridden.parameters == {"signalling.spines.tau": 120.0}  # in the registered unit (h)


def test_numpy_values_are_config_values():
    config = scenario_config("default", overrides={"seed": np.int64(3), "mechanisms.mtor": np.float32(0.5)},
                             parameters={"signalling.spines.tau": "5 d"})
    assert config.seed == 3 and config.mechanisms.mtor == 0.5
    with pytest.raises(ConfigError, match="overrides: seed: cannot use"):
        scenario_config("default", overrides={"seed": object()})


def test_examples_refuse_an_unknown_kind():
    with pytest.raises(ConfigError, match="kind: scenarios: allowed: scenario, sweep"):
        ketasim.examples("scenarios")


def test_bad_overrides_name_the_key():
    with pytest.raises(ConfigError, match=r"dosing\.0\.dose"):
        scenario_config("default", overrides={"dosing.0.dose": "10 mg"})
    with pytest.raises(ConfigError, match="parameters.signalling.spines.tau"):
        scenario_config("default", parameters={"signalling.spines.tau": "5 mg"})
    with pytest.raises(ConfigError, match="overrides"):
        scenario_config("default", overrides="dosing.0.dose=3 mg/kg")
    with pytest.raises(ConfigError, match="expected a YAML path"):
        scenario_config(42)


def test_simulate_returns_labelled_results_equal_to_the_pipeline(result):
    direct = simulate_scenario(validate_scenario({**ketasim.example("default"),
                                                  "dosing": [{"drug": "ketamine", "dose": "30 mg/kg",
                                                              "route": "ip", "at": "0 h"}]}), quick=True)
    assert result.metrics == direct.metrics
    ts = result.timeseries
    assert isinstance(ts, xr.Dataset) and ts["time_h"].attrs["units"] == "h"
    assert set(ts.data_vars) == set(direct.timeseries) - {"time_h"}
    for name, values in direct.timeseries.items():
        np.testing.assert_array_equal(ts[name].values, values)
        assert ts[name].attrs["units"] == direct.units[name]
    assert ts["plasma_ketamine_uM"].attrs["units"] == "uM"
    assert result.config.dosing[0].dose == 30.0
    assert yaml.safe_load(ts.attrs["config"]) == result.config.resolved()
    assert "30 mg/kg" in repr(result)


def test_simulate_many_equals_simulate_one_by_one(result):
    (again,) = ketasim.simulate_many(["default"], quick=True, overrides={"dosing.0.dose": "30 mg/kg"})
    assert again.metrics == result.metrics
    xr.testing.assert_identical(again.timeseries, result.timeseries)


def test_sweep_and_reproduce_are_callable_with_the_api_signature():
    import inspect

    import ketasim.api

    for name in ("sweep", "reproduce"):
        assert inspect.signature(getattr(ketasim, name)) == inspect.signature(getattr(ketasim.api, name))
    from ketasim.sweep import load_sweep  # the subpackages stay importable by name

    assert callable(load_sweep)


def test_timeseries_survive_a_netcdf_round_trip(result, tmp_path):
    result.timeseries.to_netcdf(tmp_path / "ts.nc")
    again = xr.load_dataset(tmp_path / "ts.nc")
    xr.testing.assert_identical(again, result.timeseries)


def test_plot_and_save(result, tmp_path):
    import matplotlib.pyplot as plt

    assert result.figure_names[0] == "scenario"
    for name in result.figure_names:
        plt.close(result.plot(name))
    with pytest.raises(ConfigError, match="allowed: scenario"):
        result.plot("nope")
    written = {p.name for p in result.save(tmp_path / "out")}
    assert {"metrics.json", "timeseries.csv", "config.resolved.yaml", "scenario.png"} <= written


def test_sweep_then_window_end_to_end(tmp_path):
    spec = {"base": ketasim.example("default"),
            "grid": {"dosing.0.dose": ["0 mg/kg", "30 mg/kg"], "seed": [0, 1, 2]}}
    dataset = ketasim.sweep(spec, tmp_path / "sweep", quick=True, workers=1)
    assert dataset["pyr_rate_hz"].dims == ("dosing.0.dose", "seed")
    assert dataset["pyr_rate_hz"].shape == (2, 3) and bool((dataset["status"] == 1).all())  # 1: done (flag_meanings)
    assert dataset.attrs["sweep_dir"] == str(tmp_path / "sweep")
    assert (ketasim.sweep(spec, tmp_path / "sweep", quick=True, workers=1)["pyr_rate_hz"]
            == dataset["pyr_rate_hz"]).all()  # resumed from the store, same numbers

    found = ketasim.window(dataset, metric="pyr_rate_hz", control={"dosing.0.dose": "0 mg/kg"},
                           direction="higher", resamples=999)
    effects = found.effects
    assert set(effects.dims) == {"dosing.0.dose"} and effects["dosing.0.dose"].attrs["units"] == "mg/kg"
    assert float(effects["effect"].sel({"dosing.0.dose": 30.0})) > 0  # disinhibition
    assert found.figure.exists() and (found.out / "window.json").exists()
    assert f"{found.report['n_significant']} of 1 points" in repr(found)
    with pytest.raises(ConfigError, match="exactly one axis"):
        ketasim.window(dataset, metric="pyr_rate_hz", control={"a": 1, "b": 2})
    with pytest.raises(ConfigError, match=r"^alpha: 2"):  # the keyword, not the command line's --alpha
        ketasim.window(dataset, metric="pyr_rate_hz", control={"dosing.0.dose": "0 mg/kg"}, alpha=2)


def test_reproduce_returns_the_rows_and_the_report(tmp_path):
    experiments = _experiments(tmp_path, {"E01": 2.0, "E02": 0.5})
    done = ketasim.reproduce(quick=True, out=tmp_path / "out", experiments=experiments, workers=1)
    assert done.passed == ["E01"] and done.failed == ["E02"]
    assert done.report == tmp_path / "out" / "REPORT.md"
    assert "1 of 2 effects pass" in done._repr_markdown_()
    again = ketasim.reproduce("E01", quick=True, out=tmp_path / "out", experiments=experiments, workers=1)
    assert list(again.rows) == ["E01"]
    with pytest.raises(ConfigError, match="^only: E99"):
        ketasim.reproduce(["E99"], quick=True, out=tmp_path / "out", experiments=experiments)
