"""Plasticity: presynaptic short-term plasticity and NMDAR → CCK → CCK-B-gated LTP.

- :mod:`.params` — every constant, registered with its source.
- :mod:`.equations` — reusable Brian2 equation strings (the fear circuit's learning gate too).
- :mod:`.slice` — in-vitro slice runner: induction, paired pulses, 60-min expression scheme.
- :mod:`.stage` — the scenario stage for ``slice`` and ``lhb_recording`` events.
"""

import ketasim.circuit.lhb  # noqa: F401,E402  (its parameters belong to this layer's issue)
from ketasim.plasticity import params  # noqa: F401  (registers the parameters)
