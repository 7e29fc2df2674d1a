"""Counter-based random draws for the circuits: one Brian2 Function per draw, for every target.

The PFC network's Poisson background and the BLA circuit's Poisson inputs
(background, afferent fibres, footshock and infralimbic input) draw from
these instead of Brian2's random stream, so both engines (runtime and
``cpp_standalone``) fire the same spikes for the same seed.

``N`` independent inputs at rate ``r`` give each cell Binomial(N, r dt)
events per time step. Instead of Brian2's random stream, each draw is a hash
of (stream key, time step): a SplitMix64 finaliser (Steele et al. 2014; it
passes BigCrush as a hash of a counter) gives a 64-bit word per two steps,
each half a 32-bit uniform, turned into a count by the inverse CDF. Every
(copy seed, cell, channel) has its own key (:func:`stream_keys`), so a copy's
background depends on its seed alone, not on the other copies it runs with,
nor on the engine.

:func:`ext_count_function` gives the Brian2 ``Function`` with three
implementations of the same draw: the C source for ``cpp_standalone``, the
same C source for the Cython runtime target (as verbatim C in a Cython
``extern`` block) and a vectorised numpy replica for the numpy target. Counts
are integers from integer arithmetic and exact comparisons, so all three give
the same counts (the rare tail beyond the tabulated CDF sums floating-point
terms, identically in C and Cython, to rounding in numpy).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

__all__ = ["ext_count_function", "session_keys", "splitmix64", "stream_keys", "uniform_function"]

TABLE = 8  # binomial CDF thresholds compared without branches; the rare tail continues in a loop
_GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment (the golden ratio in 64 bits)

_DRAW_C = r"""
#include <stdint.h>
// Binomial(n, p) draw by inverse CDF from a 32-bit uniform. The uniforms are
// the two halves of SplitMix64 (Steele et al. 2014) at state key + (step/2) * gamma:
// each (copy seed, cell, channel) key is its own stream, one hash per two steps.
// KETASIM_CDF holds the first CDF values (compiled in); n = 0 skips the draw.
static const double KETASIM_CDF[%(table)d] = {%(cdf)s};
static inline int32_t ketasim_ext_count(double key, int64_t step, double p0, double odds, int32_t n)
{
    if (n == 0) return 0;
    uint64_t x = (uint64_t)key + (uint64_t)(step >> 1) * 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x = x ^ (x >> 31);
    const double u = (double)((x >> ((step & 1) << 5)) & 0xFFFFFFFFULL) * (1.0 / 4294967296.0);
    int32_t k = 0;
    for (int j = 0; j < %(table)d; j++) k += (u >= KETASIM_CDF[j]);
    if (k == %(table)d) {  // tail: continue the recursion P(k+1) = P(k) (n-k)/(k+1) p/(1-p)
        double pk = p0, cdf = p0;
        for (int j = 0; j < k; j++) { pk *= (double)(n - j) / (double)(j + 1) * odds; cdf += pk; }
        while (u >= cdf && k < n) { pk *= (double)(n - k) / (double)(k + 1) * odds; k += 1; cdf += pk; }
    }
    return k;
}
"""

# The same C source, compiled into the Cython module of every code object that draws.
_DRAW_CYTHON = '''
cdef extern from *:
    """
%(code)s
    """
    int ketasim_ext_count(double key, int64_t step, double p0, double odds, int n) nogil
'''


def _cdf(n: int, p: float) -> np.ndarray:
    """The first :data:`TABLE` values of the Binomial(n, p) CDF."""
    return np.cumsum([binom.pmf(k, n, p) for k in range(TABLE)])


def _c_code(cdf: np.ndarray) -> str:
    return _DRAW_C % {"table": TABLE, "cdf": ", ".join(repr(float(c)) for c in cdf)}


def splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 (increment, then finaliser) on uint64 arrays, wrapping arithmetic."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(_GAMMA)
        return _mix(x)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (the C draw's three lines)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def stream_keys(seed: int, cells: int) -> dict[int, np.ndarray]:
    """Stream keys of ``cells`` cells of a copy with this seed, for channels 1 (AMPA) and 2 (NMDA).

    52-bit keys: exact as float64 (Brian2 has no 64-bit integer parameters),
    distinct per cell and channel.
    """
    index = np.arange(cells, dtype=np.uint64)
    stream = splitmix64(splitmix64(np.full(cells, seed, dtype=np.uint64)) ^ index)
    return {ch: (splitmix64(stream ^ np.uint64(ch)) >> np.uint64(12)).astype(np.float64) for ch in (1, 2)}


def _numpy_draw(cdf: np.ndarray):
    """The C draw, vectorised over cells (Brian2's numpy target passes arrays and scalars)."""

    def ketasim_ext_count(key, step, p0, odds, n):
        n = np.asarray(n)
        u = np.broadcast_to(_numpy_uniform(key, step), np.broadcast(np.asarray(key), np.asarray(step), n).shape)
        k = (u[..., None] >= cdf).sum(axis=-1).astype(np.int32)
        for at in zip(*np.nonzero(k == TABLE), strict=True):  # the tail, as in C (rare)
            n_at, u_at = int(np.broadcast_to(n, k.shape)[at]), float(u[at])
            pk = cdf_at = float(p0)
            for j in range(TABLE):
                pk *= (n_at - j) / (j + 1) * odds
                cdf_at += pk
            count = TABLE
            while u_at >= cdf_at and count < n_at:
                pk *= (n_at - count) / (count + 1) * odds
                count += 1
                cdf_at += pk
            k[at] = count
        return np.where(n == 0, 0, k).astype(np.int32)

    return ketasim_ext_count


def ext_count_function(n: int, p: float):
    """Brian2 ``Function`` ``ext_count(key, step, p0, odds, n)``: Binomial(n, p) events of a stream at a step.

    ``p0`` and ``odds`` are ``(1 - p)**n`` and ``p / (1 - p)`` (for the tail);
    the first CDF values of Binomial(``n``, ``p``) are compiled in. Implemented
    for the ``cpp`` (standalone), ``cython`` and ``numpy`` targets.
    """
    import brian2 as b2

    cdf = _cdf(n, p)
    code = _c_code(cdf)
    function = b2.Function(
        None, arg_units=[1, 1, 1, 1, 1], return_unit=1,
        arg_types=["float", "integer", "float", "float", "integer"], return_type="integer",
    )
    function.implementations.add_implementation("cpp", code, name="ketasim_ext_count")
    function.implementations.add_implementation("cython", _DRAW_CYTHON % {"code": code}, name="ketasim_ext_count")
    function.implementations.add_implementation("numpy", _numpy_draw(cdf))
    return function


_UNIFORM_C = r"""
#include <stdint.h>
// A 32-bit uniform in [0, 1) of stream `key` at time step `step`: half of
// SplitMix64 at state key + (step/2) * gamma, as ketasim_ext_count draws.
static inline double ketasim_uniform(double key, int64_t step)
{
    uint64_t x = (uint64_t)key + (uint64_t)(step >> 1) * 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x = x ^ (x >> 31);
    return (double)((x >> ((step & 1) << 5)) & 0xFFFFFFFFULL) * (1.0 / 4294967296.0);
}
"""

_UNIFORM_CYTHON = '''
cdef extern from *:
    """
%(code)s
    """
    double ketasim_uniform(double key, int64_t step) nogil
'''


def _numpy_uniform(key, step):
    """The C uniform, vectorised (Brian2's numpy target passes arrays and scalars)."""
    key, step = np.asarray(key), np.asarray(step, dtype=np.int64)
    with np.errstate(over="ignore"):
        x = _mix(key.astype(np.uint64) + (step >> 1).astype(np.uint64) * np.uint64(_GAMMA))
    half = (x >> ((step & 1) << 5).astype(np.uint64)) & np.uint64(0xFFFFFFFF)
    return half.astype(np.float64) * (1.0 / 4294967296.0)


def uniform_function():
    """Brian2 ``Function`` ``uniform(key, step)``: the stream ``key``'s uniform in [0, 1) at time step ``step``.

    A Poisson spike train of rate ``r`` is ``uniform(key, t_in_timesteps) < r * dt``
    (as Brian2's ``PoissonGroup`` draws it, from a stream of its own).
    Implemented for the ``cpp`` (standalone), ``cython`` and ``numpy`` targets.
    """
    import brian2 as b2

    function = b2.Function(None, arg_units=[1, 1], return_unit=1, arg_types=["float", "integer"],
                           return_type="float")
    function.implementations.add_implementation("cpp", _UNIFORM_C, name="ketasim_uniform")
    function.implementations.add_implementation("cython", _UNIFORM_CYTHON % {"code": _UNIFORM_C},
                                                name="ketasim_uniform")
    function.implementations.add_implementation("numpy", _numpy_uniform)
    return function


def session_keys(seed: int, session: int, channel: int, n: int) -> np.ndarray:
    """Stream keys of ``n`` streams of one channel in one session of a network seeded ``seed``.

    52-bit keys (exact as float64), distinct per (seed, session, channel,
    index): a network that runs session after session draws fresh input in
    each, from its seed alone.
    """
    with np.errstate(over="ignore"):
        state = splitmix64(np.array([seed], dtype=np.uint64))
        state = splitmix64(state ^ np.uint64(session))
        state = splitmix64(state ^ np.uint64(channel))
    index = np.arange(n, dtype=np.uint64)
    return (splitmix64(state ^ index) >> np.uint64(12)).astype(np.float64)
