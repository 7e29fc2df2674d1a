"""ketasim window: planted effect regions are found, null sweeps stay (almost always) empty."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from ketasim.analysis.window import effect_statistics, smallest_p, window_analysis
from ketasim.cli import main
from tests.sweep_models import planted

FAST = "tests.sweep_models:fast_model"
DOSES = [0.0, 10.0, 20.0, 40.0]
TIMES = [1.0, 4.0, 22.0]
SEEDS = 8
ALPHA = 0.05


def synthetic(rng: np.random.Generator, effect: float, doses=DOSES, times=TIMES) -> xr.Dataset:
    """dose x time x seed, unit noise, ``effect`` planted where tests.sweep_models.planted says."""
    values = rng.normal(size=(len(doses), len(times), SEEDS))
    for i, dose in enumerate(doses):
        for j, at in enumerate(times):
            values[i, j] += effect * (planted(dose, at) != 0)
    coords = {"dosing.0.dose": ("dosing.0.dose", doses, {"units": "mg/kg"}),
              "dosing.0.at": ("dosing.0.at", times, {"units": "h"}), "seed": np.arange(SEEDS)}
    return xr.Dataset({"response": (("dosing.0.dose", "dosing.0.at", "seed"), values)}, coords=coords)


def planted_set(doses=DOSES, times=TIMES) -> set[tuple[float, float]]:
    return {(d, t) for d in doses[1:] for t in times if planted(d, t)}


def found(effects) -> set[tuple[float, float]]:
    return {(e.coords["dosing.0.dose"], e.coords["dosing.0.at"]) for e in effects if e.significant}


def test_effect_statistics_on_a_known_shift():
    rng = np.random.default_rng(1)
    treated, control = rng.normal(2.0, 1.0, 12), rng.normal(0.0, 1.0, 12)
    effect, low, high, p = effect_statistics(treated, control, "higher", 1999, rng)
    assert effect == pytest.approx(treated.mean() - control.mean())
    assert low < effect < high and low > 0.5 and high < 3.5
    assert p < 0.01
    _, _, _, p_wrong_way = effect_statistics(treated, control, "lower", 1999, rng)
    assert p_wrong_way > 0.9


def test_smallest_reachable_p_matches_the_exact_permutation_test():
    x, y = np.array([5.0, 6.0, 7.0]), np.array([0.0, 1.0, 2.0])
    assert effect_statistics(x, y, "higher", 9999)[3] == pytest.approx(smallest_p(3, 3, "higher")) == pytest.approx(1 / 20)


def test_planted_region_is_found_over_repeated_draws():
    rng = np.random.default_rng(7)
    misses = 0
    for _ in range(12):
        effects = window_analysis(synthetic(rng, -3.0), "response", "dosing.0.dose", 0.0, "lower", ALPHA,
                                  resamples=999, seed=int(rng.integers(1 << 30)))
        misses += len(planted_set() - found(effects))
    assert misses <= 1  # 3 s.d. with 8 seeds per group: power close to 1


# Mostly null points: 6 planted effects among 24 tested points (pi0 = 0.75).
FDR_DOSES = [0.0, 10.0, 20.0, 40.0, 80.0]
FDR_TIMES = [1.0, 4.0, 8.0, 22.0, 48.0, 72.0]
FDR_DRAWS = 48


def test_false_discovery_rate_is_at_most_alpha():
    """Mean FDP over seeded draws <= alpha (BH: about alpha * pi0 = 0.0375).

    Uncorrected p-values would give about 18 * 0.05 / (6 + 0.9) = 0.13 here
    (0.107 measured with these draws, 48 draws: standard error about 0.017).
    """
    rng = np.random.default_rng(7)
    truth = planted_set(FDR_DOSES, FDR_TIMES)
    assert len(truth) == 6
    false_discovery_proportions, misses = [], 0
    for _ in range(FDR_DRAWS):
        effects = window_analysis(synthetic(rng, -3.0, FDR_DOSES, FDR_TIMES), "response", "dosing.0.dose", 0.0,
                                  "lower", ALPHA, resamples=999, seed=int(rng.integers(1 << 30)))
        assert len(effects) == (len(FDR_DOSES) - 1) * len(FDR_TIMES)
        hits = found(effects)
        misses += len(truth - hits)
        false_discovery_proportions.append(len(hits - truth) / max(len(hits), 1))
    assert misses <= 2
    assert np.mean(false_discovery_proportions) <= ALPHA


def _benjamini_hochberg(p: list[float]) -> np.ndarray:
    """Reference step-up BH adjusted p-values, written out: q_(i) = min over j >= i of p_(j) m / j."""
    order = np.argsort(p)
    m = len(p)
    q = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p[index] * m / rank)
        q[index] = running
    return q


def test_q_values_are_benjamini_hochberg_adjusted_p_values():
    effects = window_analysis(synthetic(np.random.default_rng(3), -1.0), "response", "dosing.0.dose", 0.0, "lower",
                              ALPHA, resamples=999, seed=5)
    p = [e.p for e in effects]
    q = [e.q for e in effects]
    assert len(set(p)) > 3 and min(p) < ALPHA
    np.testing.assert_allclose(q, _benjamini_hochberg(p), rtol=1e-12)
    assert all(qi >= pi for pi, qi in zip(p, q, strict=True))
    assert all(e.significant == (e.q <= ALPHA and e.effect < 0) for e in effects)


def test_no_window_where_nothing_was_planted():
    """Under the global null, BH at alpha makes any discovery in at most ~alpha of the sweeps."""
    rng = np.random.default_rng(11)
    draws = 30
    with_discoveries = sum(
        bool(found(window_analysis(synthetic(rng, 0.0), "response", "dosing.0.dose", 0.0, "either", ALPHA,
                                   resamples=499, seed=int(rng.integers(1 << 30)))))
        for _ in range(draws)
    )
    # Expected about 1.5 of 30; P(Bin(30, 0.05) >= 6) < 0.003, and the draws are seeded.
    assert with_discoveries <= 5


def _write_sweep(path: Path) -> Path:
    doses = ", ".join(f"{d:g} mg/kg" for d in DOSES)
    times = ", ".join(f"{t:g} h" for t in TIMES)
    path.write_text(
        "base: {dosing: [{drug: ketamine, dose: 0 mg/kg, route: ip, at: 0 h}]}\n"
        f"grid: {{dosing.0.dose: [{doses}], dosing.0.at: [{times}], seed: [{', '.join(map(str, range(SEEDS)))}]}}\n"
    )
    return path


def test_window_command_finds_the_planted_region(tmp_path, monkeypatch, capsys):
    for name in ("KETASIM_TEST_POINT_LOG", "KETASIM_TEST_POINT_SLEEP", "KETASIM_TEST_FAIL_SEED"):
        monkeypatch.delenv(name, raising=False)
    sweep, out = _write_sweep(tmp_path / "s.yaml"), tmp_path / "sweep"
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--model", FAST, "--no-progress"]) == 0
    args = ["window", str(out), "--metric", "response", "--control", "dosing.0.dose=0 mg/kg",
            "--direction", "lower", "--resamples", "1999", "--axes", "dosing.0.dose", "dosing.0.at"]
    assert main(args) == 0
    report = json.loads((out / "window" / "response" / "window.json").read_text())
    assert {(w["dosing.0.dose"], w["dosing.0.at"]) for w in report["window"]} == planted_set()
    assert report["n_points"] == (len(DOSES) - 1) * len(TIMES) and report["replicates_per_group"] == SEEDS
    assert report["runs"] == {"done": len(DOSES) * len(TIMES) * SEEDS, "failed": 0, "not_run": 0, "no_value": 0,
                              "left_out": {}}
    assert all(0 <= p["q"] <= 1 and p["ci_low"] <= p["effect"] <= p["ci_high"] for p in report["points"])
    summary = (out / "window" / "response" / "window.md").read_text()
    assert f"{len(planted_set())} of {report['n_points']} points are in the window" in summary
    assert (out / "window" / "response" / "window.png").stat().st_size > 10_000
    # Same inputs, same resampling seed: the same report.
    first = (out / "window" / "response" / "window.json").read_bytes()
    assert main(args) == 0 and (out / "window" / "response" / "window.json").read_bytes() == first

    capsys.readouterr()
    bad_arguments = (["--metric", "nope"], ["--metric", "status"], ["--metric", "code_version"],
                     ["--control", "dosing.0.dose=5 mg/kg"], ["--control", "seed=0"],
                     ["--control", "dosing.0.dose"], ["--control", "colour=red"], ["--axes", "seed", "dosing.0.at"],
                     ["--replicates", "animal"], ["--replicates", "dosing.0.dose"])
    for bad in bad_arguments:
        assert main(args + bad) == 2, bad
    with pytest.raises(SystemExit) as exit_info:
        main(args + ["--alpha", "2"])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(bad_arguments) + 1 and all(line.startswith("ketasim: error:") for line in lines)


@pytest.mark.parametrize("bad", [["window", "SWEEP", "--seed", "-1"], ["window", "SWEEP", "--seed", "x"],
                                 ["window", "SWEEP", "--alpha", "0"], ["window", "SWEEP", "--alpha", "1"],
                                 ["window", "SWEEP", "--alpha", "nan"], ["window", "SWEEP", "--resamples", "0"],
                                 ["window", "SWEEP", "--resamples", "10"], ["sweep", "s.yaml", "--workers", "0"],
                                 ["sweep", "s.yaml", "--workers", "-2"], ["sweep", "s.yaml", "--scheduler-timeout", "0"]])
def test_bad_numbers_on_the_command_line_are_one_line_errors(bad, tmp_path, capsys):
    if bad[0] == "window":
        bad = [*bad[:1], str(tmp_path / "sweep"), "--metric", "response", "--control", "seed=0", *bad[2:]]
    with pytest.raises(SystemExit) as exit_info:
        main(bad)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ketasim: error: argument " + bad[-2]) and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_run_window_checks_its_numbers_too(tmp_path):
    from ketasim.analysis.window import run_window
    from ketasim.config import ConfigError

    for kwargs, key in (({"seed": -1}, "--seed"), ({"alpha": 1.5}, "--alpha"), ({"resamples": 5}, "--resamples")):
        with pytest.raises(ConfigError) as info:
            run_window(tmp_path, "response", "seed=0", **kwargs)
        assert info.value.source == key


def test_window_reports_failed_and_missing_runs(tmp_path, monkeypatch, capsys):
    for name in ("KETASIM_TEST_POINT_LOG", "KETASIM_TEST_POINT_SLEEP", "KETASIM_TEST_CRASH_SEED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KETASIM_TEST_FAIL_SEED", "1")
    sweep, out = _write_sweep(tmp_path / "s.yaml"), tmp_path / "sweep"
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--model", FAST, "--no-progress"]) == 1
    capsys.readouterr()
    assert main(["window", str(out), "--metric", "response", "--control", "dosing.0.dose=0 mg/kg",
                 "--resamples", "199"]) == 0
    assert "runs left out of the analysis: 12 failed, 0 not run, 0 without a value" in capsys.readouterr().err
    report = json.loads((out / "window" / "response" / "window.json").read_text())
    runs = report["runs"]
    assert (runs["done"], runs["failed"], runs["not_run"], runs["no_value"]) == (len(DOSES) * len(TIMES) * (SEEDS - 1), 12, 0, 0)
    assert {r["seed"] for r in runs["left_out"]["failed"]} == {1} and len(runs["left_out"]["failed"]) == 12
    assert all(p["n_treatment"] == p["n_control"] == SEEDS - 1 for p in report["points"])
    assert "not adjusted for multiplicity" in report["confidence_interval"] and report["confidence_level"] == 0.95
    summary = (out / "window" / "response" / "window.md").read_text()
    assert "12 of 96 runs are left out: 12 failed" in summary and "not adjusted for multiplicity" in summary
