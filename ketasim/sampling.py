"""Random draws shared by the model layers (pure numpy, no ketasim imports, so any layer can use it)."""

from __future__ import annotations

import numpy as np

__all__ = ["lognormal_mean_cv"]


def lognormal_mean_cv(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    """Log-normal samples with the given arithmetic mean and coefficient of variation.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (seeded by the caller).
    mean : float
        Arithmetic mean of the samples (same unit as the returned values), > 0.
    cv : float
        Coefficient of variation (standard deviation / mean), >= 0.
    size : int
        Number of samples.

    Returns
    -------
    ndarray
        ``size`` samples; the underlying normal has ``σ² = ln(1 + cv²)`` and
        ``μ = ln(mean) − σ²/2``, so ``E[X] = mean`` and ``SD[X]/E[X] = cv``.
    """
    if mean <= 0 or cv < 0:
        raise ValueError(f"lognormal_mean_cv needs mean > 0 and cv >= 0, got mean={mean}, cv={cv}")
    sigma2 = np.log1p(cv**2)
    return rng.lognormal(np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2), size)
