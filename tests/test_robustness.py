"""``ketasim reproduce --robustness N``: the draws, the recorded parameters, the summary and the report.

A synthetic experiment reads two fitted parameters and one sourced one, and
one parameter compiled into the PFC network; its check holds exactly when
``signalling.spines.formation_gain`` is at or above its value, so the answer
is known: a Latin hypercube of N draws (log-uniform over ×0.5 to ×2) holds in
N/2 of them, and that parameter, and only it, moves the check's value.
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from ketasim.analysis.robustness import plan_draws, summarise
from ketasim.cli import main
from ketasim.parameters import ParameterSet, lookup, record_reads, using

GAIN = "signalling.spines.formation_gain"
OTHER = "signalling.trkb.hill"  # fitted, read, but not in the check's value
SOURCED = "circuit.tau_AMPA"  # read, not fitted: never varied
COMPILED = "circuit.in_degree.excitatory"  # fitted, but compiled into the PFC network

_EXPERIMENT = f'''
import matplotlib.pyplot as plt
from ketasim.parameters import current
from ketasim.reproduce import Outcome, holds

ID = "E01"
TITLE = "synthetic"
CLAIM = "the spine formation gain is at least its fitted value"
SOURCES = "none"
FITTED = "none"


def run(profile):
    p = current()
    gain = p.value("{GAIN}") / {lookup(GAIN).value!r}
    p.value("{OTHER}"), p.value("{SOURCED}"), p.value("{COMPILED}")
    fig, ax = plt.subplots()
    return Outcome([holds("gain", gain, "≥ 1", gain >= 1 - 1e-12)], fig)
'''


@pytest.fixture()
def experiments(tmp_path):
    directory = tmp_path / "experiments"
    directory.mkdir()
    (directory / "E01_synthetic.py").write_text(textwrap.dedent(_EXPERIMENT))
    return directory


def test_reads_are_recorded_from_any_parameter_set():
    with record_reads() as reads:
        with using(ParameterSet({GAIN: 3.0})):
            lookup(GAIN)
            from ketasim.parameters import current

            current().value(GAIN)
        current().value(OTHER)
    assert reads == {GAIN, OTHER}
    with record_reads(), pytest.raises(RuntimeError, match="already recording"):
        with record_reads():
            pass


def test_draws_cover_the_fitted_ranges_as_a_latin_hypercube():
    plan = plan_draws([GAIN, OTHER, SOURCED, COMPILED, "circuit.bla.cs_overlap"], 8, seed=3)
    assert plan.varied == sorted([GAIN, OTHER]) and plan.compiled_in == [COMPILED]
    low, high = lookup(GAIN).bounds
    column = plan.values[:, plan.varied.index(GAIN)]
    assert np.all((column >= low) & (column <= high))
    # One draw in each eighth of the (log) range: a Latin hypercube.
    position = np.log(column / low) / np.log(high / low)
    assert sorted(np.floor(position * 8).astype(int)) == list(range(8))
    again = plan_draws([COMPILED, OTHER, GAIN], 8, seed=3)
    assert np.array_equal(again.values, plan.values)  # same seed, same draws
    assert plan.overrides(0) == dict(zip(plan.varied, plan.values[0], strict=True))


def test_summary_counts_draws_and_ranks_the_parameter_that_moves_the_check():
    plan = plan_draws([GAIN, OTHER], 16, seed=0)
    gain = plan.values[:, plan.varied.index(GAIN)] / lookup(GAIN).value
    rows = [{"passed": bool(g >= 1), "error": "", "checks": [{"passed": bool(g >= 1), "value": float(g)}]} for g in gain]
    rows[0] = {"passed": False, "error": "RuntimeError: boom", "checks": []}
    summary = summarise(plan, rows, wall_s=12.0)
    assert summary["draws"] == 16 and summary["errors"] == 1
    assert summary["holds"] == sum(gain[1:] >= 1) and summary["fraction"] == summary["holds"] / 16
    top = summary["depends_on"][0]
    assert top["parameter"] == GAIN and top["rho"] == pytest.approx(1.0) and top["significant"]
    assert all(not d["significant"] for d in summary["depends_on"][1:])


def test_a_dependence_names_the_parameter_whose_draws_track_its_own():
    # Three columns: the cause, one drawn almost like it (a hypercube with fewer draws than parameters has
    # such pairs), and one unrelated. The check moves with both of the first two, so the report names the pair.
    from ketasim.analysis.robustness import DrawPlan

    rng = np.random.default_rng(3)
    cause = rng.permutation(16) + 1.0
    partner = cause + rng.normal(0.0, 1.0, 16)
    unrelated = rng.permutation(16) + 1.0
    plan = DrawPlan(["a.cause", "a.partner", "a.unrelated"], [], np.column_stack([cause, partner, unrelated]))
    rows = [{"passed": True, "error": "", "checks": [{"passed": True, "value": float(c)}]} for c in cause]
    depends = {d["parameter"]: d for d in summarise(plan, rows, wall_s=1.0)["depends_on"]}
    assert depends["a.cause"]["tracks"]["parameter"] == "a.partner" and depends["a.cause"]["tracks"]["rho"] > 0.9
    assert depends["a.partner"]["tracks"]["parameter"] == "a.cause"
    assert depends["a.unrelated"]["tracks"] is None


def test_reproduce_with_robustness_writes_the_column_and_every_draw(experiments, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["reproduce", "--experiments", str(experiments), "--out", str(out), "--workers", "1",
                 "--robustness", "8"])
    assert code == 0, capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    row = report["rows"]["E01"]
    assert set(row["reads"]) >= {GAIN, OTHER, SOURCED, COMPILED}
    robust = row["robustness"]
    assert (robust["draws"], robust["holds"], robust["errors"], robust["varied"]) == (8, 4, 0, 2)
    assert robust["compiled_in"] == [COMPILED] and robust["depends_on"][0]["parameter"] == GAIN
    text = (out / "REPORT.md").read_text()
    assert "| robustness |" in text and "holds in 4/8 draws (50%) |" in text
    # The dependence and its star; a partner clause may follow when another column happens to track it.
    assert "## Robustness over the fitted parameters" in text and f"`{GAIN}` (ρ = +1.00 on check 1*" in text
    record = json.loads((out / "robustness.json").read_text())
    assert record["experiments"]["E01"]["passed"].count(True) == 4 and len(record["values"]) == 8
    assert record["passing_per_draw"].count(1) == 4
    assert not list((out / "robustness").glob("*.png"))  # draws save no figures


def test_a_claim_that_holds_in_fewer_than_half_of_the_draws_is_flagged(experiments, tmp_path):
    source = (experiments / "E01_synthetic.py").read_text().replace("gain >= 1 - 1e-12", "gain >= 1.5")
    (experiments / "E01_synthetic.py").write_text(source)
    out = tmp_path / "out"
    assert main(["reproduce", "--experiments", str(experiments), "--out", str(out), "--workers", "1",
                 "--robustness", "4"]) == 0
    assert "%) ⚠ |" in (out / "REPORT.md").read_text()


def test_bad_robustness_counts_are_refused(experiments, tmp_path, capsys):
    for bad in ("0", "-2", "many"):
        with pytest.raises(SystemExit) as exit_info:
            main(["reproduce", "--experiments", str(experiments), "--out", str(tmp_path / "out"), "--robustness", bad])
        assert exit_info.value.code == 2
        assert "--robustness" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_scenarios_of_an_experiment_run_under_the_draw_with_their_own_overrides_on_top():
    from ketasim.config import validate_scenario
    from ketasim.reproduce.experiment import under_active_set

    draw = {"circuit.interneuron.G_AMPA_rec_total": 30.25, GAIN: 5.5, "pharmacology.p_open.pyramidal": 0.03}
    own = {"parameters": {GAIN: 3.0}, "species": "mouse"}
    config = validate_scenario(under_active_set(dict(own), draw), "<test>")
    assert config.parameters == {**draw, GAIN: 3.0}
    assert validate_scenario(under_active_set({"species": "rat"}, {}), "<test>").parameters == {}


def test_every_experiment_sees_the_same_draws_through_the_parameters_it_reads(experiments, tmp_path):
    # A second experiment reads only OTHER: its draws vary that one, with the same values as E01's draws.
    source = (experiments / "E01_synthetic.py").read_text().replace('ID = "E01"', 'ID = "E02"')
    source = source.replace(f'p.value("{GAIN}")', "4.0").replace(f'p.value("{COMPILED}")', "0")
    (experiments / "E02_synthetic.py").write_text(source)
    out = tmp_path / "out"
    assert main(["reproduce", "--experiments", str(experiments), "--out", str(out), "--workers", "2",
                 "--robustness", "4"]) == 0
    rows = json.loads((out / "report.json").read_text())["rows"]
    assert rows["E02"]["robustness"]["varied"] == 1 and rows["E02"]["robustness"]["compiled_in"] == []
    assert rows["E02"]["robustness"]["holds"] == 4  # its check does not read the drawn gain
    record = json.loads((out / "robustness.json").read_text())
    assert record["parameters"] == sorted([GAIN, OTHER]) and record["experiments"]["E02"]["parameters"] == [OTHER]


def test_a_subset_rerun_keeps_the_other_experiments_draws_and_a_rerun_without_draws_drops_its_own(experiments,
                                                                                                   tmp_path):
    source = (experiments / "E01_synthetic.py").read_text().replace('ID = "E01"', 'ID = "E02"')
    (experiments / "E02_synthetic.py").write_text(source.replace(f'p.value("{GAIN}")', "4.0"))
    out = tmp_path / "out"
    common = ["reproduce", "--experiments", str(experiments), "--out", str(out), "--workers", "1"]
    assert main([*common, "--robustness", "4"]) == 0
    first = json.loads((out / "robustness.json").read_text())
    assert first["experiments"]["E01"]["values"] == [[draw[first["parameters"].index(p)] for p in
                                                       first["experiments"]["E01"]["parameters"]]
                                                      for draw in first["values"]]
    # E01 alone, with the same draws: E02's record stays, and the count per draw spans both.
    assert main([*common, "--robustness", "4", "--only", "E01"]) == 0
    second = json.loads((out / "robustness.json").read_text())
    assert second["experiments"]["E02"] == first["experiments"]["E02"]
    assert second["passing_per_draw"] == first["passing_per_draw"]
    assert "robustness" in json.loads((out / "report.json").read_text())["rows"]["E02"]
    # E01 again without draws: its report row has none, so neither has the record.
    assert main([*common, "--only", "E01"]) == 0
    third = json.loads((out / "robustness.json").read_text())
    assert set(third["experiments"]) == {"E02"}
    assert third["passing_per_draw"] == [int(p) for p in first["experiments"]["E02"]["passed"]]
    # Other draws (another hypercube seed) do not describe the kept rows' numbers: their records are not kept.
    assert main([*common, "--robustness", "4", "--robustness-seed", "5", "--only", "E01"]) == 0
    assert set(json.loads((out / "robustness.json").read_text())["experiments"]) == {"E01"}
