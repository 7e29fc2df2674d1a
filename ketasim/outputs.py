"""Writing a scenario's results: metrics.json, timeseries.csv, config.resolved.yaml, figures.

Files are first written into a private temporary directory beside the
destination and then moved into place one by one, so a failure part-way
never leaves a half-written file under the destination name.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml

from ketasim.scenario import ScenarioResult

__all__ = ["write_outputs", "atomic_write", "atomic_write_text", "OUTPUT_FILES"]

OUTPUT_FILES = ("metrics.json", "timeseries.csv", "config.resolved.yaml", "scenario.png", "signalling.png")


def atomic_write(path: Path, writer) -> None:
    """Write via a temporary file in the same directory, then rename over ``path``.

    ``writer`` receives the temporary path; a failure leaves ``path`` as it was.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        writer(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`atomic_write`."""
    atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _write_metrics(path: Path, metrics: dict[str, float]) -> None:
    clean = {k: float(v) for k, v in sorted(metrics.items()) if np.isfinite(v)}
    path.write_text(json.dumps(clean, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _write_timeseries(path: Path, series: dict[str, np.ndarray]) -> None:
    columns = ["time_h", *[k for k in series if k != "time_h"]]
    data = np.column_stack([series[c] for c in columns])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([[f"{x:.10g}" for x in row] for row in data])


def write_outputs(result: ScenarioResult, out_dir: str | Path, figure: bool = True) -> list[Path]:
    """Write every output file of a scenario into ``out_dir`` (created if needed).

    Returns
    -------
    list of Path
        The files written.
    """
    from ketasim.plotting import scenario_figure

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _write_metrics(staging / "metrics.json", result.metrics)
        _write_timeseries(staging / "timeseries.csv", result.timeseries)
        (staging / "config.resolved.yaml").write_text(
            yaml.safe_dump(result.config.resolved(), sort_keys=False), encoding="utf-8"
        )
        if figure:
            import matplotlib.pyplot as plt

            drawn = [("scenario.png", scenario_figure(result))]
            drawn += [(name, make()) for name, make in result.figures.items()]  # stage figures, e.g. slice_ltp.png
            for name, fig in drawn:
                fig.savefig(staging / name, dpi=110)
                plt.close(fig)  # a loop over results in a notebook must not pile up open figures
        out_dir.mkdir(exist_ok=True)
        written = []
        for item in sorted(staging.iterdir()):
            os.replace(item, out_dir / item.name)
            written.append(out_dir / item.name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
