"""How much fear the BLA circuit acquires when part of its NMDARs are blocked during conditioning (issue 17).

Usage::

    PYTHONPATH=. python docs/examples/acquisition_under_block.py [--cells 240] [--seeds 3]

Three CS+–US pairings in context A with the NMDAR availability of the
plastic synapses' cells set to each value of ``nmda_gain`` (1 = drug-free;
``1 − block`` under ketamine), then, without consolidation, two CS+ trials in
context B at full availability: the mean CS→fear weight after conditioning
and the CS+ freezing of the probe. Run through the network's own API
(:class:`ketasim.circuit.bla.BLANetwork`), seeds 0 … n−1, registry values.
Prints one line per availability.
"""

from __future__ import annotations

import argparse

import numpy as np

import ketasim.config  # noqa: F401  (registers every layer's parameters)
from ketasim.circuit.bla import BLAConfig, BLANetwork, Modulators, Trial
from ketasim.plasticity.equations import learning_rule

GAINS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.3)


def acquisition(gain: float, cells: int, seed: int, trials: int = 3) -> tuple[float, float]:
    """Mean CS→fear weight after ``trials`` pairings at ``gain``, and the drug-free probe's CS+ freezing."""
    network = BLANetwork(BLAConfig(principal_cells=cells), learning_rule(), seed=seed)
    network.run_trials([Trial("plus", 1.0, "A")] * trials, Modulators(nmda_gain=gain))
    weight = float(np.mean(network.weights()["cs_fear"]))
    probe = network.run_trials([Trial("plus", 0.0, "B")] * 2, Modulators(), learn=False)
    return weight, float(np.mean([r.freezing for r in probe]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=240)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    for gain in GAINS:
        runs = np.array([acquisition(gain, args.cells, seed) for seed in range(args.seeds)])
        print(f"nmda_gain {gain:.1f}: CS->fear weight {runs[:, 0].mean():.3f}, CS+ freezing {runs[:, 1].mean():.3f}")


if __name__ == "__main__":
    main()
