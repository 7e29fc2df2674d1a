"""Fear memory: acquisition, generalisation, extinction, recovery; consolidation and reconsolidation windows."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.config import ConfigError, validate_scenario
from ketasim.pipeline.products import Exposure, MissingInput, Product, StageInputs
from ketasim.protocols.fear import available_nmdar

CONDITION = {"event": "conditioning", "at": "1 h", "trials": 5}  # in context A
# Cues are tested (and extinguished, reactivated) in a novel context B, as cued studies do, so that the
# context fear conditioning leaves in A does not add to the cue's.
NOVEL = {"context": "B"}


def fear_scenario(*events: dict, dosing: list | None = None, **extra) -> dict:
    return {"species": "mouse", "seed": 0, "protocol": [CONDITION, *events], "dosing": dosing or [], **extra}


def drug(name: str, dose: str, at: str, route: str = "sc") -> dict:
    return {"drug": name, "dose": dose, "route": route, "at": at}


def cs_plus(result) -> float:
    return result.metrics["freezing_cs_plus"]


@pytest.fixture(scope="module")
def conditioning(run_quick):
    return run_quick({"species": "mouse", "seed": 0, "protocol": [
        {"event": "test", "at": "0 h", "cues": ["plus", "minus"], **NOVEL},
        CONDITION,
        {"event": "test", "at": "24 h", "cues": ["plus", "minus"], **NOVEL},
        {"event": "extinction", "at": "48 h", "trials": 16, **NOVEL},
        {"event": "test", "at": "72 h", "cues": ["plus"], **NOVEL},
        {"event": "test", "at": "14 d", "cues": ["plus"], **NOVEL},
    ]})


def test_conditioning_raises_cs_plus_freezing_more_than_cs_minus(conditioning):
    m = conditioning.metrics
    assert m["freezing_cs_plus_test1"] < 0.15 and m["freezing_cs_minus_test1"] < 0.15
    assert m["freezing_cs_plus_test2"] > m["freezing_cs_plus_test1"] + 0.3
    assert m["freezing_cs_plus_test2"] > m["freezing_cs_minus_test2"] > m["freezing_cs_minus_test1"]
    gi = m["freezing_cs_minus_test2"] / m["freezing_cs_plus_test2"]
    assert 0.0 < gi < 1.0


def test_extinction_lowers_freezing_and_fear_recovers_spontaneously(conditioning):
    m = conditioning.metrics
    # Extinction's size varies between animals (seeds 0-5: 15-50 % less CS+
    # freezing, quick profile); seed 0 must lose at least 0.15 of freezing.
    assert m["freezing_cs_plus_test3"] < m["freezing_cs_plus_test2"] - 0.15
    assert m["freezing_cs_plus_test4"] > m["freezing_cs_plus_test3"] + 0.15  # spontaneous recovery at 14 d


def test_memory_series_are_on_the_grid(conditioning):
    ts = conditioning.timeseries
    assert ts["bla_fear_memory"].shape == ts["time_h"].shape
    assert ts["bla_fear_memory"][-1] > 1.2 and ts["bla_extinction_memory"].max() > 1.2
    assert "fear.png" in conditioning.figures


def _inputs(exposure_columns, cascade_columns):
    products = {"exposure": Exposure(columns=exposure_columns)}
    if cascade_columns is not None:
        products["signalling"] = Product(columns=cascade_columns)
    return StageInputs("fear", validate_scenario({}), True, products)


def test_down_regulated_nmdars_count_like_a_partial_block():
    time = np.array([0.0, 10.0, 20.0])
    inputs = _inputs({"time_h": time, "nmdar_block_pyramidal": np.array([0.0, 0.5, 0.0])},
                     {"bla_nmdar_expression": np.array([1.0, 0.8, 0.6])})
    available = available_nmdar(inputs.signal("nmdar_block_pyramidal"), inputs.signal("bla_nmdar_expression"))
    assert available(time) == pytest.approx([1.0, 0.5 * 0.8, 0.6])
    assert available(np.array(5.0)) == pytest.approx(0.75 * 0.9)  # both series interpolated in time


def test_a_missing_input_series_is_an_error_naming_stage_and_series():
    """Without the cascade's series the fear stage stops; nothing becomes 'drug-free' silently."""
    time = np.array([0.0, 10.0, 20.0])
    inputs = _inputs({"time_h": time, "nmdar_block_pyramidal": np.zeros(3)}, None)
    with pytest.raises(MissingInput, match=r"stage 'fear' needs 'bla_nmdar_expression'"):
        inputs.signal("bla_nmdar_expression")


TEST = {"event": "test", "at": "72 h", "cues": ["plus"], **NOVEL}


def fear_memory_at_test(result) -> float:
    """Mean CS-to-fear-neuron weight at the 72 h test (naive = 1): the memory itself, not its expression."""
    return float(np.interp(72.0, result.timeseries["time_h"], result.timeseries["bla_fear_memory"]))


@pytest.fixture(scope="module")
def consolidation(run_quick):
    def run(dosing=None, **extra):
        result = run_quick(fear_scenario(TEST, dosing=dosing, **extra))
        return {"freezing": cs_plus(result), "memory": fear_memory_at_test(result) - 1.0}

    return {
        "control": run(),
        "anisomycin_early": run([drug("anisomycin", "150 mg/kg", "1.3 h")]),
        "anisomycin_late": run([drug("anisomycin", "150 mg/kg", "48 h")]),
        "rapamycin_early": run([drug("rapamycin", "10 mg/kg", "1.3 h", "ip")]),
        "rapamycin_late": run([drug("rapamycin", "10 mg/kg", "48 h", "ip")]),
        "ketamine_acquisition": run([drug("ketamine", "100 mg/kg", "0.85 h", "ip")]),
        "ketamine_late": run([drug("ketamine", "100 mg/kg", "48 h", "ip")]),
    }


@pytest.mark.parametrize("block", ["anisomycin", "rapamycin"])
def test_blocking_consolidation_weakens_the_memory_only_while_it_is_labile(consolidation, block):
    control, early, late = (consolidation[k] for k in ("control", f"{block}_early", f"{block}_late"))
    assert early["freezing"] < control["freezing"] - 0.1
    assert early["memory"] < 0.6 * control["memory"]
    assert late["memory"] == pytest.approx(control["memory"], rel=0.02)
    assert late["freezing"] == pytest.approx(control["freezing"], abs=0.05)


def test_anisomycin_after_training_cuts_freezing_as_much_as_in_rats(consolidation):
    # Schafe & LeDoux 2000 J Neurosci 20:RC96 report well over a third less freezing (intra-LA; recalled).
    # Anisomycin 0.3 h after training leaves about 60 % of the learned weight change (the memory layer
    # consolidates from the first minutes, before the drug acts). With the cue tested in context A that gave about
    # a quarter less freezing (a strict expected failure); tested in a novel context B, as since the model learns
    # context fear (issue 17), it gives half: 0.72 -> 0.34 (quick, seed 0).
    assert consolidation["anisomycin_early"]["freezing"] < 0.6 * consolidation["control"]["freezing"]


def test_fear_consolidation_survives_post_training_nmdar_block(run_quick):
    # Rodrigues, Schafe & LeDoux 2001 J Neurosci 21:6889: NMDAR blockade disrupts fear learning, not its
    # consolidation (memory.nmdar_dependence.fear = 0); before, ketamine right after training weakened the trace.
    def trace(dosing):
        series = run_quick(fear_scenario(TEST, dosing=dosing)).timeseries
        return float(np.interp(47.0, series["time_h"], series["bla_fear_memory"]))

    control, after_training = trace(None), trace([drug("ketamine", "30 mg/kg", "1.3 h", "ip")])
    # Not weakened; ketamine's rise of BLA mTORC1 even speeds consolidation a little (1.52 vs 1.48, seed 0).
    assert after_training >= control - 0.005


@pytest.fixture(scope="module")
def contextual(run_quick):
    """Contextual fear conditioning: three unsignalled footshocks in context A, tests in A and B, context extinction."""
    test_a = {"event": "test", "cues": ["context"], "trials": 4}
    return run_quick({"species": "mouse", "seed": 0, "protocol": [
        {**test_a, "at": "0 h"},
        {"event": "conditioning", "at": "1 h", "cs": "context", "trials": 3},
        {**test_a, "at": "24 h"},
        {**test_a, "at": "25 h", **NOVEL},
        {"event": "extinction", "at": "48 h", "cs": "context", "trials": 16},
        {**test_a, "at": "72 h"},
        {"event": "extinction", "at": "72.5 h", "cs": "context", "trials": 16},
        {**test_a, "at": "96 h"},
    ]})


def test_context_events_are_accepted_and_reactivation_needs_a_cs(contextual):
    m = contextual.metrics
    assert all(0.0 <= m[f"freezing_context_test{k}"] <= 1.0 for k in range(1, 6))
    with pytest.raises(ConfigError, match="cs"):
        validate_scenario(fear_scenario({"event": "reactivation", "at": "2 h", "cs": "context"}))


def test_contextual_conditioning_produces_context_fear_specific_to_the_context(contextual):
    # Mouse controls freeze 0.3-0.6 to the context a day after 1-3 shocks and little in a novel one (levels
    # recalled, not read; direction: Poulos et al. 2016 Learn Mem 23:379; docs/literature/2026-12-02-context-fear.md).
    # Quick profile, seeds 0-5: 0.33-0.44 in A, 0.07-0.14 in B, 0.04-0.08 before.
    m = contextual.metrics
    before, in_a, in_b = (m[f"freezing_context_test{k}"] for k in (1, 2, 3))
    assert before < 0.15
    assert 0.25 <= in_a <= 0.65 and in_a > before + 0.2
    assert in_b < in_a - 0.15


def test_context_fear_extinguishes_over_context_alone_sessions(contextual):
    # Non-reinforced exposure extinguishes context fear (Cassini et al. 2017 Learn Mem 24:392, rats, 5-30-min
    # sessions). Quick profile, seeds 0-5: 0.13-0.25 after one 16-trial session, 0.07-0.14 after two.
    m = contextual.metrics
    conditioned, once, twice = (m[f"freezing_context_test{k}"] for k in (2, 4, 5))
    assert once < conditioned - 0.1
    assert twice <= once


def test_fear_extinguished_in_a_novel_context_renews_in_the_conditioning_context(run_quick):
    # ABA renewal (Bouton & Bolles 1979; Corcoran & Maren 2001 J Neurosci 21:1720; recalled), a prediction nothing
    # was fitted to: the extinction neurons learn from context B's fibres too. Quick, seeds 0-2: 0.04-0.26 in B,
    # 0.50-0.62 in A.
    def after_extinction(context):
        return run_quick(fear_scenario({"event": "extinction", "at": "25 h", "trials": 16, **NOVEL},
                                       {"event": "test", "at": "48 h", "cues": ["plus"], "trials": 4,
                                        "context": context})).metrics["freezing_cs_plus"]

    assert after_extinction("A") > after_extinction("B") + 0.2


def test_nmdar_block_during_acquisition_weakens_the_memory(consolidation):
    control, during, late = (consolidation[k] for k in ("control", "ketamine_acquisition", "ketamine_late"))
    assert during["freezing"] < 0.6 * control["freezing"]
    assert during["memory"] < 0.6 * control["memory"]
    # Two days later the trace has consolidated: the same block leaves it alone
    # (fear *expression* at test may still change through the PFC; see E06).
    assert late["memory"] == pytest.approx(control["memory"], rel=0.02)


@pytest.fixture(scope="module")
def reconsolidation(run_quick):
    reactivate = {"event": "reactivation", "at": "48 h", **NOVEL}
    test = {"event": "test", "at": "96 h", "cues": ["plus"], **NOVEL}

    def run(*events, dosing=None):
        result = run_quick(fear_scenario(*events, test, dosing=dosing))
        memory = float(np.interp(96.0, result.timeseries["time_h"], result.timeseries["bla_fear_memory"])) - 1.0
        return {"freezing": cs_plus(result), "memory": memory}

    return {
        "reactivated": run(reactivate),
        "inside": run(reactivate, dosing=[drug("anisomycin", "150 mg/kg", "48.2 h")]),
        "outside": run(reactivate, dosing=[drug("anisomycin", "150 mg/kg", "60 h")]),
        "no_reactivation": run(dosing=[drug("anisomycin", "150 mg/kg", "48.2 h")]),
        "control": run(),
    }


def test_reconsolidation_window(reconsolidation):
    r = reconsolidation
    # Inside the window the reactivated trace loses at least 30 % of what was learned,
    # and freezing at test falls (Nader et al. 2000).
    assert r["inside"]["memory"] < 0.7 * r["reactivated"]["memory"]
    assert r["inside"]["freezing"] < r["reactivated"]["freezing"] - 0.05
    # Twelve hours after the reactivation the window has closed; without a reactivation there is none.
    assert r["outside"]["memory"] == pytest.approx(r["reactivated"]["memory"], rel=0.05)
    assert r["outside"]["freezing"] == pytest.approx(r["reactivated"]["freezing"], abs=0.08)
    assert r["no_reactivation"]["memory"] == pytest.approx(r["control"]["memory"], rel=0.02)


@pytest.mark.parametrize(
    ("event", "field", "fragment"),
    [
        ({"event": "conditioning", "at": "1 h", "trials": 0}, "trials", "whole number"),
        ({"event": "conditioning", "at": "1 h", "context": "C"}, "context", "allowed: A, B"),
        ({"event": "conditioning", "at": "1 h", "us_strength": "high"}, "us_strength", "number"),
        ({"event": "test", "at": "1 h", "cues": ["plus", "tone"]}, "cues", "plus, minus, context"),
        ({"event": "extinction", "at": "1 h", "shocks": 3}, "shocks", "unknown key"),
    ],
)
def test_fear_event_fields_are_validated(event, field, fragment):
    with pytest.raises(ConfigError) as err:
        validate_scenario({"protocol": [event]})
    assert err.value.key == f"protocol.0.{field}"
    assert fragment in err.value.message
