"""Reproducing the review's effects: experiments, checks and the report (``ketasim reproduce``).

:mod:`~ketasim.reproduce.experiment` is what an experiment script uses
(profiles, batched scenario runs, checks with stated criteria);
:mod:`~ketasim.reproduce.runner` finds the scripts, runs them and writes
``REPORT.md``.

Called, the package runs :func:`ketasim.api.reproduce`: ``ketasim.reproduce(["E03"], quick=True)``.
"""

from ketasim.reproduce.experiment import (
    Check,
    Outcome,
    Profile,
    by_seed,
    compare,
    equivalent,
    holds,
    run_scenarios,
    scenario,
)

__all__ = ["Check", "Outcome", "Profile", "by_seed", "compare", "equivalent", "holds", "run_scenarios", "scenario"]
