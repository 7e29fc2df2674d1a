"""Context fear in the BLA: learning and expression measured apart.

Written when the BLA learned no context fear (issue 17; its numbers then, with
4-Hz context fibres and a 0.3-s unsignalled shock, are in
``docs/timing-atlas.md``); it runs with the active parameter set. The
quick BLA network (120 principal cells, seed 0, registry values) is probed in
two ways:

1. **Learning.** Three unsignalled footshocks in context A in one session,
   as contextual conditioning presents them: how much do the context
   fibres' synapses onto fear neurons potentiate? (For comparison, three
   CS+–US pairings in the same network.)
2. **Expression.** Every context→fear synapse set to a weight between the
   naive 0.5 and the learning rule's bound 2, with the context input at 1 to
   3 times its rate (``Modulators.context_strength`` scales it, as
   hippocampal synaptic strength does): what context freezing does the
   readout give, with no learning at all?

Run: ``PYTHONPATH=. python docs/examples/context_fear_probe.py`` (about a
minute on one core). The numbers are in ``docs/timing-atlas.md``.
"""

from __future__ import annotations

import numpy as np

from ketasim.circuit.bla import BLAConfig, BLANetwork, Modulators, Trial
from ketasim.plasticity.equations import learning_rule

WEIGHTS = (0.5, 1.0, 1.5, 2.0)
STRENGTHS = (1.0, 2.0, 3.0)


def learned(cs: str | None) -> dict[str, float]:
    """Mean plastic weights onto fear neurons after three US trials (``cs`` None: the context alone)."""
    net = BLANetwork(BLAConfig.quick(), learning_rule(), seed=0)
    net.run_trials([Trial(cs, 1.0, "A")] * 3, Modulators(), learn=True)
    w = net.weights()
    context_a = net.context_fibres("ctx_fear", "A")
    return {"cs_fear": float(w["cs_fear"].mean()), "ctx_fear": float(w["ctx_fear"][context_a].mean()),
            "ctx_fear_max": float(w["ctx_fear"].max())}


def expressed(weight: float, strength: float) -> tuple[float, float]:
    """Context-A freezing and fear-population rate (Hz) with every context→fear synapse at ``weight``."""
    net = BLANetwork(BLAConfig.quick(), learning_rule(), seed=0)
    w = net.weights()
    w["ctx_fear"][:] = weight
    net.set_weights(w)
    readouts = net.run_trials([Trial(None, 0.0, "A")] * 4, Modulators(context_strength=strength), learn=False)
    return float(np.mean([r.freezing for r in readouts])), float(np.mean([r.fear_rate_cs for r in readouts]))


def main() -> None:
    for cs, label in ((None, "3 unsignalled shocks"), ("plus", "3 CS+-US pairings")):
        w = learned(cs)
        print(f"{label}: CS->fear {w['cs_fear']:.3f}, context->fear {w['ctx_fear']:.3f} "
              f"(largest synapse {w['ctx_fear_max']:.3f}); naive 0.5")
    print("context freezing (fear rate, Hz) | weight " + " | ".join(f"{w:g}" for w in WEIGHTS))
    for s in STRENGTHS:
        cells = [expressed(w, s) for w in WEIGHTS]
        print(f"context input x{s:g} | " + " | ".join(f"{f:.2f} ({r:.1f})" for f, r in cells))


if __name__ == "__main__":
    main()
