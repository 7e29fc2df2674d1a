"""``ketasim reproduce``: the checks' statistics, the runner's report and exit codes, and real experiments (quick)."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from ketasim.cli import main
from ketasim.reproduce import compare, equivalent, holds
from ketasim.reproduce.experiment import FULL_SEEDS
from ketasim.reproduce.runner import discover

# ------------------------------------------------------------------ checks


def test_compare_passes_a_consistent_effect_beyond_the_minimum():
    check = compare("x", [0.5, 0.6, 0.55], [1.0, 1.1, 1.0], "lower", 0.3)
    assert check.passed
    assert "Δ = -0.483" in check.measured and "n = 3" in check.measured


def test_compare_fails_when_the_interval_includes_zero():
    # Mean difference is large but one seed goes the other way.
    check = compare("x", [0.2, 0.3, 1.4], [1.0, 1.0, 1.0], "lower", 0.1)
    assert not check.passed


def test_compare_fails_below_the_minimum_effect_and_in_the_wrong_direction():
    assert not compare("x", [0.95, 0.96, 0.94], [1.0, 1.0, 1.0], "lower", 0.1).passed
    assert not compare("x", [1.5, 1.6, 1.4], [1.0, 1.0, 1.0], "lower", 0.1).passed


def test_compare_relative_effect_is_a_fraction_of_the_control():
    assert compare("x", [12.0, 13.0, 12.5, 12.8], [10.0] * 4, "higher", 0.2, relative=True).passed
    assert not compare("x", [11.0, 11.5, 11.2, 11.3], [10.0] * 4, "higher", 0.2, relative=True).passed


def test_compare_uses_the_paired_t_interval():
    # d = 1, 2, 3: mean 2, SD 1, t(0.975, 2) = 4.3027: 2 -/+ 2.484, which includes 0.
    check = compare("x", [2.0, 4.0, 6.0], [1.0, 2.0, 3.0], "higher", 0.5)
    assert "[-0.484, 4.48], n = 3" in check.measured and not check.passed
    # Two seeds decide nothing unless their differences nearly agree (t(0.975, 1) = 12.7).
    assert not compare("x", [12.0, 13.0], [10.0, 10.0], "higher", 0.1).passed
    assert compare("x", [12.0, 12.01], [10.0, 10.0], "higher", 0.1).passed


def test_equivalence_is_two_one_sided_t_tests_at_the_margin():
    # d = 0.01, 0.02, 0.03: mean 0.02, SD 0.01, t(0.95, 2) = 2.91999: 90 % CI 0.02 -/+ 0.016858.
    d = np.array([0.01, 0.02, 0.03])
    check = equivalent("x", 1.0 + d, np.ones(3), 0.05)
    assert check.passed and "[0.00314, 0.0369] (90 % CI), n = 3" in check.measured
    assert not equivalent("x", 1.0 + d, np.ones(3), 0.035).passed  # the upper bound 0.0369 reaches past it
    # A small mean is not enough: with spread (or one seed) the interval reaches past the margin.
    assert not equivalent("x", [1.0, 1.2, 0.8, 1.01], [1.0] * 4, 0.05).passed
    assert not equivalent("x", [1.0], [1.0], 0.05).passed
    # One-sided (non-inferiority): only the upper bound counts.
    assert equivalent("x", [0.5, 0.6, 0.55], [1.0] * 3, 0.05, bound="upper").passed
    assert not equivalent("x", [0.5, 0.6, 0.55], [1.0] * 3, 0.05).passed
    # Relative margins are fractions of the control mean.
    assert equivalent("x", [10.1, 10.2, 10.15], [10.0] * 3, 0.05, relative=True).passed
    with pytest.raises(ValueError):
        equivalent("x", [1.0], [1.0], 0.0)


def test_seeds_for_power_matches_the_noncentral_t():
    from ketasim.reproduce.experiment import seeds_for_power

    # One-sample (paired) t-test, alpha 0.05 two-sided, power 0.8: d = 1.0 needs n = 10, d = 0.5 n = 34,
    # d = 0.8 n = 15 (the standard a priori sample sizes, e.g. G*Power 3, Faul et al. 2007).
    assert (seeds_for_power(1.0, 1.0), seeds_for_power(1.0, 0.5), seeds_for_power(2.0, 1.6)) == (10, 34, 15)
    assert seeds_for_power(0.0, 0.1) == 2
    assert seeds_for_power(3e-17, 0.05) == 2  # deterministic up to rounding
    check = compare("x", [0.5, 0.6, 0.55], [1.0, 1.1, 1.0], "lower", 0.3)
    assert "(80 % power at the minimum effect: n ≥ " in check.measured


def test_compare_rejects_unpaired_input():
    with pytest.raises(ValueError):
        compare("x", [1.0, 2.0], [1.0], "lower", 0.0)
    with pytest.raises(ValueError):
        compare("x", [1.0], [1.0], "down", 0.0)


def test_holds_fails_on_nan():
    assert not holds("x", float("nan"), "anything", True).passed
    assert holds("x", 1.0, "≥ 1", True).passed


# ------------------------------------------------------------------ runner

_EXPERIMENT = '''
import matplotlib.pyplot as plt
from ketasim.reproduce import Outcome, holds

ID = "{id}"
TITLE = "synthetic"
CLAIM = "a synthetic claim"
SOURCES = "none"
FITTED = "none"


def run(profile):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    return Outcome([holds("value", {value}, "≥ 1", {value} >= 1)], fig, {{"quick": profile.quick}})
'''


def _experiments(tmp_path, values: dict[str, float]):
    directory = tmp_path / "experiments"
    directory.mkdir()
    for eid, value in values.items():
        (directory / f"{eid}_synthetic.py").write_text(textwrap.dedent(_EXPERIMENT.format(id=eid, value=value)))
    return directory


def test_runner_writes_figures_and_report_and_exit_codes(tmp_path):
    experiments = _experiments(tmp_path, {"E01": 2.0, "E02": 0.5})
    out = tmp_path / "out"
    args = ["reproduce", "--quick", "--experiments", str(experiments), "--out", str(out), "--workers", "1"]
    assert main(args) == 0  # a failing check is reported, not an error
    assert (out / "E01.png").exists() and (out / "E02.png").exists()
    report = (out / "REPORT.md").read_text()
    assert "**1 of 2 effects pass.**" in report and "**FAIL**" in report
    assert "kept" not in report  # one invocation made every row
    assert main([*args, "--strict"]) == 1
    assert main([*args, "--strict", "--only", "E01"]) == 0
    rows = json.loads((out / "report.json").read_text())["rows"]
    assert set(rows) == {"E01", "E02"}  # --only updated E01 and kept E02's row
    assert rows["E01"]["run"].keys() == rows["E02"]["run"].keys() == {"date", "version"}
    report = (out / "REPORT.md").read_text()
    assert "for E01; the other rows are kept from earlier runs" in report  # the header's wall time is E01's only
    (e02_row,) = [line for line in report.splitlines() if line.startswith("| E02 ")]
    assert f"kept from the run of {rows['E02']['run']['date']}, ketasim {rows['E02']['run']['version']}" in e02_row


def test_runner_reports_a_broken_experiment_as_an_error(tmp_path):
    experiments = _experiments(tmp_path, {"E01": 2.0})
    (experiments / "E02_broken.py").write_text("ID = 'E02'\n")
    out = tmp_path / "out"
    assert main(["reproduce", "--experiments", str(experiments), "--out", str(out), "--workers", "1"]) == 1
    assert "lacks" in (out / "REPORT.md").read_text()


def test_a_row_names_the_profile_and_seeds_an_experiment_actually_ran(tmp_path):
    experiments = _experiments(tmp_path, {"E01": 2.0})
    (experiments / "E02_own_profile.py").write_text(textwrap.dedent(_EXPERIMENT.format(id="E02", value=2.0)).replace(
        "profile.quick})", "profile.quick}, ran_as=Profile(quick=True, seeds=(7, 8)))").replace(
        "import Outcome, holds", "import Outcome, Profile, holds"))
    out = tmp_path / "out"
    assert main(["reproduce", "--experiments", str(experiments), "--out", str(out), "--workers", "1"]) == 0
    rows = json.loads((out / "report.json").read_text())["rows"]
    assert rows["E01"]["profile"] == "full" and rows["E01"]["seeds"] == list(FULL_SEEDS)
    assert rows["E02"]["profile"] == "full, quick circuits" and rows["E02"]["seeds"] == [7, 8]
    assert "E02 (full, quick circuits, seeds 7,8," in (out / "REPORT.md").read_text()


def test_runner_rejects_unknown_ids_and_bad_directories(tmp_path, capsys):
    experiments = _experiments(tmp_path, {"E01": 2.0})
    out = tmp_path / "out"
    assert main(["reproduce", "--experiments", str(experiments), "--only", "E99", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "E99" in err[0] and "allowed: E01" in err[0]
    assert not out.exists()
    assert main(["reproduce", "--experiments", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert not out.exists()


def test_the_repository_has_every_effect_of_the_review():
    from ketasim.reproduce.runner import default_experiments_dir

    assert list(discover(default_experiments_dir())) == [f"E{k:02d}" for k in range(1, 15)]


# ------------------------------------------------------- real experiments


def test_reproduce_quick_runs_three_effects_end_to_end(tmp_path):
    out = tmp_path / "reproduce"
    assert main(["reproduce", "--quick", "--only", "E01", "E02", "--only", "E14", "--out", str(out),
                 "--workers", "1"]) == 0
    rows = json.loads((out / "report.json").read_text())["rows"]
    assert set(rows) == {"E01", "E02", "E14"}
    for eid, row in rows.items():
        assert row["error"] == "", row["error"]
        assert row["checks"], eid
        assert (out / f"{eid}.png").stat().st_size > 10_000
    # The numbers behind E01's checks show disinhibition, read here independently of its checks: every
    # dose blocks interneuron NMDARs more than pyramidal ones, and up to 30 mg/kg every dose step slows
    # the interneurons and speeds up the pyramidal cells and their glutamate release, in every seed.
    numbers, seeds = rows["E01"]["numbers"], rows["E01"]["seeds"]
    doses = list(numbers["doses_mg_kg"])
    int_rate, pyr_rate = np.array(numbers["int_rate_hz"]), np.array(numbers["pyr_rate_hz"])
    glutamate = np.array(numbers["glutamate_release"])
    assert int_rate.shape == pyr_rate.shape == glutamate.shape == (len(doses), len(seeds))
    assert len(seeds) >= 2 and doses[0] == 0.0 and 10.0 in doses and 30.0 in doses
    up_to_30 = slice(0, doses.index(30.0) + 1)
    block_int, block_pyr = np.array(numbers["block_interneuron"]), np.array(numbers["block_pyramidal"])
    assert block_int[0] == block_pyr[0] == 0.0
    assert np.all(block_int[1:] > block_pyr[1:]), (block_int, block_pyr)
    assert np.all(np.diff(int_rate[up_to_30], axis=0) < 0), int_rate
    assert np.all(np.diff(pyr_rate[up_to_30], axis=0) > 0), pyr_rate
    assert np.all(np.diff(glutamate[up_to_30], axis=0) > 0), glutamate
