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
