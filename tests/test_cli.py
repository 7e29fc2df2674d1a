"""The command line: outputs, determinism, and one-line errors on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ketasim.cli import main
from ketasim.outputs import OUTPUT_FILES

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.yaml"


def run_cli(*args: str) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "out"
    assert run_cli("run", DEFAULT, "--out", out, "--quick") == 0
    return out


def test_run_writes_the_four_outputs(default_run):
    for name in OUTPUT_FILES:
        assert (default_run / name).stat().st_size > 0, name
    metrics = json.loads((default_run / "metrics.json").read_text())
    for key in ("plasma_cmax_uM", "brain_cmax_uM", "tmax_min", "nmdar_block_peak_interneuron",
                "nmdar_block_peak_pyramidal", "pyr_rate_hz", "int_rate_hz", "glutamate_release", "gamma_power"):
        assert key in metrics
    header = (default_run / "timeseries.csv").read_text().splitlines()[0].split(",")
    for column in ("time_h", "plasma_ketamine_uM", "brain_ketamine_uM", "nmdar_block_interneuron", "nmdar_block_pyramidal"):
        assert column in header


def test_resolved_config_reruns_to_identical_metrics(default_run, tmp_path):
    again = tmp_path / "again"
    assert run_cli("run", default_run / "config.resolved.yaml", "--out", again, "--quick", "--no-figure") == 0
    assert (again / "metrics.json").read_bytes() == (default_run / "metrics.json").read_bytes()


def test_timeseries_resolves_minutes_after_a_dose(default_run):
    import numpy as np

    t = np.loadtxt(default_run / "timeseries.csv", delimiter=",", skiprows=1, usecols=0)
    early = t[t < 6.0]
    assert np.diff(early).max() <= 1 / 60 + 1e-9


def test_set_overrides_reach_the_model(default_run, tmp_path):
    """Tripling the default dose with --set triples plasma Cmax (linear PK) and deepens the NMDAR block."""
    assert yaml.safe_load((default_run / "config.resolved.yaml").read_text())["dosing"][0]["dose"] == "10.0 mg/kg"
    out = tmp_path / "o"
    assert run_cli("run", DEFAULT, "--set", "dosing.0.dose=30 mg/kg", "--out", out, "--quick", "--no-figure") == 0
    base = json.loads((default_run / "metrics.json").read_text())
    high = json.loads((out / "metrics.json").read_text())
    assert high["plasma_cmax_uM"] == pytest.approx(3 * base["plasma_cmax_uM"], rel=1e-9)
    assert high["brain_cmax_uM"] == pytest.approx(3 * base["brain_cmax_uM"], rel=1e-9)
    assert high["tmax_min"] == base["tmax_min"]
    for cell in ("interneuron", "pyramidal"):  # a saturating block: deeper, not three times deeper
        low_block, high_block = base[f"nmdar_block_peak_{cell}"], high[f"nmdar_block_peak_{cell}"]
        assert low_block < high_block < min(1.0, 3 * low_block), cell


class _Ran(AssertionError):
    """Raised by any simulation or output-writing entry point during a validate-only test."""


def _forbid_simulation(monkeypatch) -> None:
    import ketasim.circuit.engine
    import ketasim.circuit.pfc
    import ketasim.outputs
    import ketasim.pipeline.runner
    import ketasim.scenario

    def ran(*args, **kwargs):
        raise _Ran("a simulation or output entry point was called")

    for module, name in ((ketasim.scenario, "simulate"), (ketasim.scenario, "simulate_many"),
                         (ketasim.pipeline.runner, "run_scenarios"), (ketasim.circuit.engine, "simulate_requests"),
                         (ketasim.circuit.pfc, "simulate_pfc"), (ketasim.outputs, "write_outputs")):
        monkeypatch.setattr(module, name, ran)


def test_validate_runs_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # where a run without --out would write (ketasim-out/default)
    _forbid_simulation(monkeypatch)
    assert run_cli("validate", DEFAULT) == 0
    assert run_cli("validate", DEFAULT, "--set", "dosing.0.at=2 h") == 0  # the override is validated, not run
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{DEFAULT}: valid (mouse, 1 dose entries, 0 protocol events, 24 h)",
        f"{DEFAULT}: valid (mouse, 1 dose entries, 0 protocol events, 26 h)",
    ]
    assert captured.err == ""
    assert list(tmp_path.iterdir()) == []
    # The trip-wires are on the path a run takes (so the checks above can fail).
    with pytest.raises(_Ran):
        run_cli("run", DEFAULT, "--quick", "--no-figure")
    assert list(tmp_path.iterdir()) == []


VALID = """\
species: mouse
seed: 0
dosing:
  - {drug: ketamine, dose: 10 mg/kg, route: ip, at: 0 h}
"""

BAD_CONFIGS = {
    "unknown top-level key": (VALID + "colour: blue\n", "colour"),
    "unknown dose key": (VALID.replace("at: 0 h}", "at: 0 h, speed: 3}"), "dosing.0.speed"),
    "missing unit": (VALID.replace("10 mg/kg", "10"), "dosing.0.dose"),
    "wrong unit": (VALID.replace("10 mg/kg", "10 mg"), "dosing.0.dose"),
    "time as dose": (VALID.replace("10 mg/kg", "3 h"), "dosing.0.dose"),
    "negative dose": (VALID.replace("10 mg/kg", "-5 mg/kg"), "dosing.0.dose"),
    "absurd dose": (VALID.replace("10 mg/kg", "5000 mg/kg"), "dosing.0.dose"),
    "unknown species": (VALID.replace("mouse", "dog"), "species"),
    "unknown route": (VALID.replace("route: ip", "route: im"), "dosing.0.route"),
    "route without a model": (VALID.replace("mouse", "human"), "dosing.0.route"),
    "unknown drug": (VALID.replace("drug: ketamine", "drug: cocaine"), "dosing.0.drug"),
    "bad YAML": ("species: [mouse\n", "YAML"),
    "not a mapping": ("- 1\n- 2\n", "mapping"),
    "non-numeric seed": (VALID.replace("seed: 0", "seed: abc"), "seed"),
    "negative seed": (VALID.replace("seed: 0", "seed: -1"), "seed"),
    "seed too large": (VALID.replace("seed: 0", "seed: 99999999999"), "seed"),
    "fractional seed": (VALID.replace("seed: 0", "seed: 1.5"), "seed"),
    "infusion without duration": (VALID.replace("route: ip", "route: iv_infusion"), "dosing.0.duration"),
    "bath without concentration": (VALID.replace("route: ip", "route: bath"), "dosing.0.concentration"),
    "mechanism out of range": (VALID + "mechanisms: {mtor: -1}\n", "mechanisms.mtor"),
    "unknown mechanism": (VALID + "mechanisms: {serotonin: 1}\n", "mechanisms.serotonin"),
    "non-numeric mechanism": (VALID + "mechanisms: {mtor: lots}\n", "mechanisms.mtor"),
    "bad genotype": (VALID + "subject: {bdnf_genotype: val/xyz}\n", "subject.bdnf_genotype"),
    "unknown event": (VALID + "protocol: [{event: levitate, at: 1 h}]\n", "protocol.0.event"),
    "unreadable time": (VALID.replace("at: 0 h", "at: soon"), "dosing.0.at"),
    "repeat without interval": (VALID.replace("at: 0 h}", "at: 0 h, repeat: 3}"), "dosing.0.every"),
    "duration shorter than events": (VALID.replace("at: 0 h", "at: 30 h") + "duration: 1 d\n", "duration"),
    "circuit too small": (VALID + "circuit: {n_exc: 3}\n", "circuit.n_exc"),
}

BAD_SETS = {
    "no equals sign": ("seed", "seed"),
    "unknown key": ("colour=blue", "colour"),
    "missing unit": ("dosing.0.dose=15", "dosing.0.dose"),
    "wrong unit": ("dosing.0.at=3 mg/kg", "dosing.0.at"),
    "index out of range": ("dosing.5.dose=1 mg/kg", "dosing.5"),
    "non-numeric index": ("dosing.first.dose=1 mg/kg", "dosing.first"),
    "into a scalar": ("seed.x=1", "seed.x"),
    "empty value": ("seed=", "seed"),
    "negative dose": ("dosing.0.dose=-1 mg/kg", "dosing.0.dose"),
    "unknown species": ("species=cat", "species"),
    "empty key": ("=3", "(empty)"),
}


def _assert_clean_failure(capsys, code: int, key: str, out: Path, before: dict | None = None) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1, captured.err
    assert key in lines[0], lines[0]
    assert "Traceback" not in captured.err
    if before is None:
        assert not out.exists()
    else:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    return lines[0]


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_fails_cleanly(case, tmp_path, capsys):
    text, key = BAD_CONFIGS[case]
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    out = tmp_path / "out"
    line = _assert_clean_failure(capsys, run_cli("run", config, "--out", out, "--quick"), key, out)
    assert str(config) in line


@pytest.mark.parametrize("case", sorted(BAD_SETS))
def test_bad_set_fails_cleanly_and_leaves_outputs_alone(case, tmp_path, capsys):
    assignment, key = BAD_SETS[case]
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.json").write_text('{"kept": 1}\n')
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code = run_cli("run", DEFAULT, "--set", assignment, "--out", out, "--quick")
    line = _assert_clean_failure(capsys, code, key, out, before)
    assert "--set" in line


def test_error_names_the_file(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text(VALID.replace("mouse", "dog"))
    assert run_cli("validate", config) == 2
    assert str(config) in capsys.readouterr().err


def test_missing_file(tmp_path, capsys):
    assert run_cli("validate", tmp_path / "nope.yaml") == 2
    assert "file not found" in capsys.readouterr().err


def test_console_script_reports_errors_without_traceback(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(VALID.replace("10 mg/kg", "10"))
    proc = subprocess.run(
        [sys.executable, "-m", "ketasim.cli", "run", str(config), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "dosing.0.dose" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_examples_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli("example") == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.startswith("default\tscenario\t") for line in listed)
    assert any(line.startswith("pfc_dose\tsweep\t") for line in listed)
    assert run_cli("example", "fear_generalisation") == 0
    assert capsys.readouterr().out == (ROOT / "configs" / "fear_generalisation.yaml").read_text()
    assert run_cli("validate", "fear_generalisation") == 0
    capsys.readouterr()
    (tmp_path / "my.yaml").write_text("seed: 3\n")
    assert run_cli("validate", "my.yaml") == 0  # a file in the working directory, not an example
    capsys.readouterr()
    for args in (["example", "nope"], ["validate", "nope"], ["run", "pfc_dose"], ["sweep", "default"]):
        assert run_cli(*args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no such" in err and "allowed:" in err, err
    assert not (tmp_path / "ketasim-out").exists()
    (tmp_path / "fear_generalisation").mkdir()  # e.g. an --out directory named after the example
    assert run_cli("validate", "fear_generalisation") == 0


def test_a_copied_sweep_example_runs_anywhere(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli("example", "pfc_dose") == 0
    (tmp_path / "mine.yaml").write_text(capsys.readouterr().out)
    from ketasim.sweep import load_sweep

    assert len(load_sweep(tmp_path / "mine.yaml").points) == 25
