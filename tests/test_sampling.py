"""Shared random draws."""

import numpy as np
import pytest

from ketasim.sampling import lognormal_mean_cv


def test_lognormal_mean_cv_has_the_requested_mean_and_cv():
    x = lognormal_mean_cv(np.random.default_rng(1), 0.15, 0.5, 400_000)
    assert x.min() > 0
    assert x.mean() == pytest.approx(0.15, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(0.5, rel=0.02)
    assert np.all(lognormal_mean_cv(np.random.default_rng(1), 2.0, 0.0, 5) == pytest.approx(2.0))


def test_lognormal_mean_cv_rejects_impossible_moments():
    with pytest.raises(ValueError, match="mean > 0"):
        lognormal_mean_cv(np.random.default_rng(0), 0.0, 0.5, 3)
