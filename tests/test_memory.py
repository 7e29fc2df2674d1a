"""Consolidation and reconsolidation of memory traces (pure numpy, no circuit)."""

import numpy as np
import pytest

from ketasim.protocols.memory import (
    K_CONSOLIDATE,
    TAU_FORGET,
    TAU_LABILE_H,
    MemoryTrace,
    consolidate,
    consolidate_course,
    destabilise,
)

ONE = lambda t: np.ones_like(t)  # noqa: E731
ZERO = lambda t: np.zeros_like(t)  # noqa: E731


def learned(kind: str = "fear") -> MemoryTrace:
    trace = MemoryTrace.naive(kind, np.full(4, 0.1))
    trace.learn(np.full(4, 0.6))
    return trace


def test_learning_writes_the_labile_trace():
    trace = learned()
    np.testing.assert_allclose(trace.labile, 0.5)
    np.testing.assert_allclose(trace.weights(), 0.6)


def test_constant_rates_match_the_closed_form():
    trace = learned()
    consolidate(trace, 0.0, 10.0, ONE, ONE)
    a, lam = 1 / TAU_LABILE_H() + K_CONSOLIDATE(), 1 / TAU_FORGET["fear"]()
    l_expected = 0.5 * np.exp(-a * 10)
    s_expected = K_CONSOLIDATE() * 0.5 * (np.exp(-lam * 10) - np.exp(-a * 10)) / (a - lam)
    np.testing.assert_allclose(trace.labile, l_expected, rtol=1e-10)
    np.testing.assert_allclose(trace.stable, s_expected, rtol=1e-10)


def test_a_course_through_many_times_equals_consolidating_interval_by_interval():
    synthesis = lambda t: 1 + 0.8 * np.sin(t / 3)  # noqa: E731
    gate = lambda t: np.abs(np.cos(t / 5))  # noqa: E731
    times = np.array([0.0, 0.3, 0.3, 2.0, 7.5, 30.0, 200.0])
    stepwise, course = learned(), learned()
    course.stable += 0.05  # a stable part too
    stepwise.stable += 0.05
    means = consolidate_course(course, times, synthesis, gate)
    expected = [stepwise.weights().mean() / stepwise.w_init.mean()]
    for t0, t1 in zip(times[:-1], times[1:], strict=True):
        consolidate(stepwise, t0, t1, synthesis, gate)
        expected.append(stepwise.weights().mean() / stepwise.w_init.mean())
    np.testing.assert_allclose(means, expected, rtol=1e-12)
    np.testing.assert_allclose(course.labile, stepwise.labile, rtol=1e-12)
    np.testing.assert_allclose(course.stable, stepwise.stable, rtol=1e-12)
    with pytest.raises(ValueError):
        consolidate_course(course, np.array([1.0, 0.5]), synthesis, gate)


def test_nothing_is_created_and_nothing_goes_negative():
    trace = learned()
    consolidate(trace, 0.0, 48.0, lambda t: 5 + np.sin(t), lambda t: np.abs(np.cos(t)))
    assert (trace.labile >= 0).all() and (trace.stable >= 0).all()
    assert (trace.labile + trace.stable <= 0.5 + 1e-12).all()


def test_blocking_synthesis_early_weakens_the_memory_but_not_late():
    def run(block_from: float, block_to: float) -> float:
        trace = learned()
        synthesis = lambda t: np.where((t >= block_from) & (t < block_to), 0.0, 1.0)  # noqa: E731
        consolidate(trace, 0.0, 72.0, synthesis, ONE)
        return float(trace.weights().mean())

    intact = run(0, 0)
    early = run(0, 6)  # rapamycin / anisomycin right after training
    late = run(24, 30)  # the same block a day later
    assert early < intact - 0.5 * (intact - 0.1)  # loses more than half of what was learned
    assert late == pytest.approx(intact, rel=1e-3)


def test_reactivation_reopens_the_window():
    def run(block_from: float, reactivate: bool) -> float:
        trace = learned()
        consolidate(trace, 0.0, 48.0, ONE, ONE)
        if reactivate:
            destabilise(trace, np.ones(4, bool))
        synthesis = lambda t: np.where((t >= block_from) & (t < block_from + 6), 0.0, 1.0)  # noqa: E731
        consolidate(trace, 48.0, 120.0, synthesis, ONE)
        return float((trace.weights() - trace.w_init).mean())  # what remains of the learned change

    no_block = run(1e9, True)
    inside = run(48.0, True)
    outside = run(72.0, True)  # a day after the reactivation: window closed
    without_reactivation = run(48.0, False)
    assert inside < 0.6 * no_block
    assert outside == pytest.approx(no_block, rel=0.02)
    assert without_reactivation == pytest.approx(run(1e9, False), rel=1e-3)


def test_gate_closed_acts_like_blocked_synthesis():
    a, b = learned(), learned()
    consolidate(a, 0, 24, ZERO, ONE)
    consolidate(b, 0, 24, ONE, ZERO)
    np.testing.assert_allclose(a.stable, b.stable)
    np.testing.assert_allclose(a.labile, b.labile)


def test_extinction_memory_fades_faster_than_fear_memory():
    fear, ext = learned("fear"), learned("ext")
    for trace in (fear, ext):
        consolidate(trace, 0, 24 * 21, ONE, ONE)
    assert ext.stable.mean() < 0.3 * fear.stable.mean()
