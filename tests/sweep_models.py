"""Fast pure-Python models for sweep tests (passed with the developer hook ``--model``).

Environment knobs (inherited by pool and Dask worker processes):
``KETASIM_TEST_POINT_LOG`` appends one JSON line per computed point;
``KETASIM_TEST_POINT_SLEEP`` sleeps that many seconds per point;
``KETASIM_TEST_FAIL_SEED`` makes points with that seed raise;
``KETASIM_TEST_CRASH_SEED`` makes points with that seed kill their process.
"""

from __future__ import annotations

import json
import os
import time
import zlib

import numpy as np

PLANTED_EFFECT = -3.0  # in units of the noise s.d.
PLANTED_MIN_DOSE = 20.0  # mg/kg
PLANTED_MAX_AT = 6.0  # h


def _setting(config) -> tuple[float, float]:
    dose = config.dosing[0] if config.dosing else None
    return (dose.dose or 0.0, dose.at) if dose else (0.0, 0.0)


def planted(dose: float, at: float) -> float:
    """The planted effect: high doses given early lower the response."""
    return PLANTED_EFFECT if dose >= PLANTED_MIN_DOSE and at <= PLANTED_MAX_AT else 0.0


def fast_model(config, quick: bool = False) -> dict[str, float]:
    """Metrics from dose, time and seed: a planted effect plus seeded unit noise."""
    dose, at = _setting(config)
    record = {"seed": config.seed, "dose": dose, "at": at, "pid": os.getpid()}
    if os.environ.get("KETASIM_TEST_POINT_SLEEP"):
        time.sleep(float(os.environ["KETASIM_TEST_POINT_SLEEP"]))
    if os.environ.get("KETASIM_TEST_CRASH_SEED") == str(config.seed):
        os._exit(9)  # a worker dying mid-point, as a segfault or the OOM killer would
    if os.environ.get("KETASIM_TEST_FAIL_SEED") == str(config.seed):
        raise RuntimeError(f"planted failure at seed {config.seed}")
    noise_seed = zlib.crc32(json.dumps([config.seed, dose, at]).encode())
    response = planted(dose, at) + float(np.random.default_rng(noise_seed).normal())
    if os.environ.get("KETASIM_TEST_POINT_LOG"):
        with open(os.environ["KETASIM_TEST_POINT_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
    return {"response": response, "dose_twice": 2.0 * dose, "quick": float(quick)}


# Three registered parameters stand in for the Ishigami function's inputs: each one's position in
# its sampled range maps onto [-pi, pi], so Sobol indices over the parameters are Ishigami's.
ISHIGAMI_PARAMETERS = ("signalling.spines.tau", "signalling.spines.formation_gain", "signalling.spines.retraction_rate")
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami_indices() -> dict[str, tuple[float, float]]:
    """The analytic first- and total-order Sobol indices of the Ishigami function (a = 7, b = 0.1)."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    return {ISHIGAMI_PARAMETERS[0]: (v1 / variance, (v1 + v13) / variance),
            ISHIGAMI_PARAMETERS[1]: (v2 / variance, v2 / variance),
            ISHIGAMI_PARAMETERS[2]: (0.0, v13 / variance)}


def ishigami_model(config, quick: bool = False) -> dict[str, float]:
    """The Ishigami function of the three parameters' positions in their ranges."""
    from ketasim.analysis.sensitivity import SensitivityProblem
    from ketasim.parameters import lookup

    problem = SensitivityProblem.of([lookup(k) for k in ISHIGAMI_PARAMETERS])
    values = [config.parameters.get(k, lookup(k).value) for k in ISHIGAMI_PARAMETERS]
    x1, x2, x3 = -np.pi + 2 * np.pi * problem.unit_position(np.array(values))
    if os.environ.get("KETASIM_TEST_POINT_LOG"):
        with open(os.environ["KETASIM_TEST_POINT_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({"pid": os.getpid()}) + "\n")
    return {"ishigami": float(np.sin(x1) + ISHIGAMI_A * np.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * np.sin(x1))}
