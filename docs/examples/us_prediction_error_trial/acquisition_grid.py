"""Issue 17 trial: acquisition under a partial NMDAR block, with a US prediction error and a shallower CCK release.

Needs ``bla_prediction_error.diff`` applied at commit 3f2c560 (a worktree, not
main): it adds ``circuit.bla.us_predicted_rate`` (the fear-population rate at
the US's onset at which the US stops teaching; 1e6 Hz = no prediction error)
and widens the range of ``circuit.bla.ltp_rate``. Three CS+–US pairings at
NMDAR availability 1, 0.54, 0.37 and 0.28 (drug-free; rat 10, 20 and 30 mg/kg
i.p. 30 min after the dose, the timing catalogue's T34), then a drug-free
probe of two CS+ trials in context B; quick BLA network. Usage::

    PYTHONPATH=WORKTREE python acquisition_grid.py RATES LTP_RATES TRIALS SEEDS [OVERRIDES]
    PYTHONPATH=WORKTREE python acquisition_grid.py '[7.0]' '[1.0]' 3 4 \\
        '{"plasticity.cck.release_hill": 2.0, "plasticity.cck.release_half_calcium": 0.025}'

Prints the mean CS→fear weight (``w``) and probe freezing (``fr``) per availability.
"""

import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # docs/examples: the protocol of acquisition_under_block
from acquisition_under_block import acquisition  # noqa: E402

from ketasim.circuit.bla import QUICK_CELLS  # noqa: E402
from ketasim.parameters import ParameterSet, using  # noqa: E402

GAINS = (1.0, 0.54, 0.37, 0.28)


def main():
    rates, ltps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    trials, seeds = int(sys.argv[3]), range(int(sys.argv[4]))
    extra = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
    for rate, ltp in itertools.product(rates, ltps):
        started = time.time()
        overrides = {"circuit.bla.us_predicted_rate": rate, "circuit.bla.ltp_rate": ltp, **extra}
        with using(ParameterSet(overrides)):
            res = {g: np.mean([acquisition(g, QUICK_CELLS, s, trials) for s in seeds], axis=0) for g in GAINS}
        cells = " | ".join(f"{g}: w {v[0]:.3f} fr {v[1]:.2f}" for g, v in res.items())
        print(f"{extra} rate {rate:g} ltp {ltp:g}: {cells} ({time.time() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
