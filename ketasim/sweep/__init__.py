"""Sweeps at scale: config grids and samples, local and Dask execution, a resumable store.

See docs/sweeps.md. The pieces: :mod:`~ketasim.sweep.spec` (sweep configs →
validated points), :mod:`~ketasim.sweep.runner` (one point, picklable),
:mod:`~ketasim.sweep.execute` (executors and :func:`run_sweep`),
:mod:`~ketasim.sweep.store` (SQLite/WAL store) and
:mod:`~ketasim.sweep.export` (``results.nc`` / ``results.csv``).

Called, the package runs :func:`ketasim.api.sweep`: ``ketasim.sweep("pfc_dose", quick=True)``.
"""

from ketasim.sweep.spec import SweepSpec, load_sweep, parse_sweep
from ketasim.sweep.store import StoreError, SweepStore

__all__ = ["StoreError", "SweepSpec", "SweepStore", "load_sweep", "parse_sweep", "run_sweep"]


def run_sweep(*args, **kwargs):
    """Run or resume a sweep (see :func:`ketasim.sweep.execute.run_sweep`)."""
    from ketasim.sweep.execute import run_sweep as _run

    return _run(*args, **kwargs)
