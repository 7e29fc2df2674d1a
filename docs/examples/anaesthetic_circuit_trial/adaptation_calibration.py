"""Issue 18 trial: spike-frequency adaptation of one model pyramidal cell (Brunel & Wang 2001 membrane).

A 2-s current step at 1.2-2 times rheobase; adaptation = (f3 - f_last) / f3 from
the third and last inter-spike intervals, to compare with rodent cortical
pyramidal cells (L2/3 52 ± 4 %, range 17-76 %: Guan, Armstrong & Foehring 2015
J Neurophysiol, via NeuroElectro). Prints rate and adaptation per decay time
(ms) and conductance step (nS). Usage: ``python adaptation_calibration.py``.
"""

import numpy as np


def run(current_pA, step_nS, tau_s, duration_s=2.0, dt=1e-5, e_k_mV=-80.0):
    c, g_l, e_l, v_th, v_reset, t_ref = 0.5e-9, 25e-9, -70e-3, -50e-3, -55e-3, 2e-3
    v, g, last, spikes = e_l, 0.0, -1.0, []
    for k in range(int(duration_s / dt)):
        t = k * dt
        g -= g / tau_s * dt
        if t - last < t_ref:
            continue
        v += (g_l * (e_l - v) - g * (v - e_k_mV * 1e-3) + current_pA * 1e-12) / c * dt
        if v > v_th:
            v, last = v_reset, t
            g += step_nS * 1e-9
            spikes.append(t)
    isi = np.diff(spikes)
    if len(isi) < 4:
        return len(spikes) / duration_s, float("nan")
    f3, f_last = 1 / isi[2], 1 / isi[-1]
    return len(spikes) / duration_s, 100 * (f3 - f_last) / f3


for tau_ms in (100, 200, 300):
    for step in (0, 0.5, 1, 2, 4):
        cells = [run(i, step, tau_ms / 1000) for i in (600, 750, 1000)]
        print(tau_ms, step, " ".join(f"{rate:5.1f}Hz {adapt:4.0f}%" for rate, adapt in cells))
