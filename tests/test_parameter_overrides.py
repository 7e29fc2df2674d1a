"""Model parameters overridden per run: by config, by ``--set``, and as a sweep axis; bad overrides refused.

The spine equation (``ketasim.signalling.equations``) is
``dS/dt = (F - S)/tau - k D S``: after a dose raises the formation drive F,
spine density approaches it with time constant ``signalling.spines.tau``
(default 3 d). A shorter time constant (here 1.5 d) moves S further towards the
raised drive in the 24 h after the dose, so ``spine_density_24h`` is higher;
a longer one (5 d) leaves it lower.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketasim.cli import main
from ketasim.config import ConfigError, load_scenario, validate_scenario
from ketasim.parameters import ParameterSet, current, lookup, using
from ketasim.scenario import simulate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.yaml"
TAU = "signalling.spines.tau"


def _spines_24h(tau: str | None) -> float:
    overrides = [f"parameters.{TAU}={tau}"] if tau else []
    return simulate(load_scenario(DEFAULT, overrides), quick=True).metrics["spine_density_24h"]


def test_the_spine_time_constant_moves_spine_density_as_the_equation_predicts():
    assert lookup(TAU).unit == "h" and lookup(TAU).value == pytest.approx(72.0)
    default, fast, slow = _spines_24h(None), _spines_24h("1.5 d"), _spines_24h("5 d")
    assert default > 1.0  # a 10 mg/kg dose raises PFC spines within a day
    assert fast > default > slow


def test_cli_run_with_a_parameter_override_changes_the_metric_and_records_it(tmp_path):
    out = tmp_path / "tau"
    assert main(["run", str(DEFAULT), "--quick", "--no-figure", "--out", str(out),
                 "--set", f'parameters.{TAU}="5 d"']) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["spine_density_24h"] < _spines_24h(None)  # 5 d is slower than the default 3 d
    resolved = (out / "config.resolved.yaml").read_text()
    assert f"{TAU}: 120.0 h" in resolved
    # The recorded config reruns to the same numbers.
    again = tmp_path / "again"
    assert main(["run", str(out / "config.resolved.yaml"), "--quick", "--no-figure", "--out", str(again)]) == 0
    assert (again / "metrics.json").read_bytes() == (out / "metrics.json").read_bytes()


def test_nested_and_dotted_override_forms_are_the_same():
    dotted = validate_scenario({"parameters": {TAU: "5 d"}})
    nested = validate_scenario({"parameters": {"signalling": {"spines": {"tau": "5 d"}}}})
    assert dotted.parameters == nested.parameters == {TAU: 120.0}


def test_an_override_is_active_only_inside_its_run():
    assert current().value(TAU) == lookup(TAU).value
    with using(ParameterSet({TAU: 48.0})):
        assert current().value(TAU) == 48.0
        assert current().overrides == {TAU: 48.0}
    assert current().overrides == {}


BAD = [
    ("parameters.signalling.spines.tua=5 d", "parameters.signalling.spines.tua", "unknown parameter; did you mean"),
    ("parameters.signalling.spines.tau=5 mV", "parameters.signalling.spines.tau", "wrong unit"),
    ("parameters.signalling.spines.tau=5", "parameters.signalling.spines.tau", "missing unit"),
    ("parameters.signalling.spines.tau=500 d", "parameters.signalling.spines.tau", "outside its range"),
    ("parameters.signalling.spines.tau=fast", "parameters.signalling.spines.tau", "cannot read"),
    ("parameters=5", "parameters", "must be a mapping"),
    ("parameters.nonsense=1", "parameters.nonsense", "unknown parameter"),
    ("parameters.circuit.release_probability=1 ms", "parameters.circuit.release_probability", "expected a plain number"),
]


@pytest.mark.parametrize(("assignment", "key", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_override_is_one_line_exit_2_and_writes_nothing(assignment, key, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(DEFAULT), "--quick", "--out", str(out), "--set", assignment]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{key}:" in err and message in err, err
    assert not out.exists()


def test_bad_overrides_in_a_config_file_name_the_file(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("parameters: {signalling.spines.tau: 1 h}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_scenario(config)
    assert str(caught.value).startswith(f"{config}: parameters.signalling.spines.tau:")
    assert "outside its range" in str(caught.value)


def test_a_parameter_is_a_sweep_axis_and_a_dimension_of_the_results(tmp_path):
    import xarray as xr
    import yaml

    sweep = tmp_path / "tau.yaml"
    sweep.write_text(yaml.safe_dump({"base": str(DEFAULT), "grid": {f"parameters.{TAU}": ["1.5 d", "5 d"]}}),
                     encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--quick", "--workers", "1", "--no-progress"]) == 0
    results = xr.load_dataset(out / "results.nc", engine="scipy")
    axis = f"parameters.{TAU}"
    assert axis in results.dims
    assert results[axis].attrs["units"] == "h" and list(results[axis].values) == [36.0, 120.0]
    fast, slow = results["spine_density_24h"].values
    assert fast > slow
    assert fast == _spines_24h("1.5 d")  # a sweep point equals the single run with that override
