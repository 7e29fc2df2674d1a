"""Export a sweep store to an xarray Dataset (``results.nc``) and to CSV.

Grid sweeps: dims are the grid axes, named by their dotted keys, with the
resolved values (canonical units in the ``units`` attribute) as coordinates.
Explicit points and samples add a ``point`` dim whose axis values are
non-index coordinates. Data variables are the metrics (NaN where a point is
not done) plus ``status`` (0 not run, 1 done, 2 failed) and ``code_version``
(the first 12 hex digits of the fingerprint of the ketasim sources that
computed each point; empty where not run). The attribute ``code_versions``
lists the distinct ones: more than one only in a store continued with
``--allow-code-change``. The file holds no timestamps, so the same finished
sweep always exports to the same data.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from ketasim.outputs import atomic_write
from ketasim.sweep.spec import POINT_DIM, SweepSpec, resolved_value
from ketasim.version import __version__

__all__ = ["NOT_METRICS", "STATUS_CODES", "build_dataset", "code_version", "write_exports"]

STATUS_CODES = {"pending": 0, "done": 1, "failed": 2}
NOT_METRICS = ("status", "code_version")  # data variables of results.nc that are not metrics
CODE_VERSION_DIGITS = 12


def code_version(record: dict[str, Any]) -> str:
    """The short code fingerprint a stored point was computed with ('' if none)."""
    return (record.get("code_hash") or "")[:CODE_VERSION_DIGITS]


def _coordinate(spec: SweepSpec, axis_index: int) -> tuple[str, np.ndarray, dict[str, str]]:
    axis = spec.axes[axis_index]
    position = spec.dims.index(axis.dim)
    representatives = [p for p in spec.points if not any(i for d, i in enumerate(p.index) if d != position)]
    resolved = [resolved_value(p.config, axis.key) for p in representatives]
    values = [v for v, _ in resolved]
    unit = next((u for _, u in resolved if u), "")
    array = np.array(values, dtype=float) if all(isinstance(v, int | float) for v in values) else np.array(values, dtype=str)
    if array.dtype.kind == "f" and all(isinstance(v, int) for v in values):
        array = array.astype(np.int64)
    attrs = {"units": unit} if unit else {}
    attrs["sweep_key"] = axis.key
    return axis.dim, array, attrs


def build_dataset(spec: SweepSpec, records: dict[str, dict[str, Any]]):
    """The sweep's results as an :class:`xarray.Dataset` (see module docstring)."""
    import xarray as xr

    metric_names = sorted({m for p in spec.points for m in records.get(p.hash, {}).get("metrics", {})})
    data = {name: np.full(spec.shape, np.nan) for name in metric_names}
    status = np.zeros(spec.shape, dtype=np.int8)
    versions = np.full(spec.shape, "", dtype=f"<U{CODE_VERSION_DIGITS}")
    for point in spec.points:
        record = records.get(point.hash)
        if record is None:
            continue
        status[point.index] = STATUS_CODES[record["status"]]
        versions[point.index] = code_version(record)
        for name, value in record["metrics"].items():
            data[name][point.index] = value
    coords: dict[str, Any] = {}
    if POINT_DIM in spec.dims:
        coords[POINT_DIM] = (POINT_DIM, np.arange(spec.shape[0]))
    for i, axis in enumerate(spec.axes):
        dim, values, attrs = _coordinate(spec, i)
        coords[axis.key] = (dim, values, attrs)
    variables: dict[str, tuple[Any, ...]] = {name: (spec.dims, values) for name, values in data.items()}
    variables["status"] = (spec.dims, status, {"flag_values": "0 1 2", "flag_meanings": "not_run done failed"})
    variables["code_version"] = (spec.dims, versions,
                                 {"long_name": "sha256 prefix of the ketasim sources that computed the point"})
    attrs = {"title": "ketasim sweep", "sweep_config": Path(spec.source).name, "model": spec.model,
             "ketasim_version": __version__, "axes": " ".join(a.key for a in spec.axes),
             "code_versions": " ".join(sorted({v for v in versions.ravel().tolist() if v}))}
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def _csv_rows(spec: SweepSpec, records: dict[str, dict[str, Any]], metric_names: list[str]):
    yield [*[f"index_{d}" for d in spec.dims], *[a.key for a in spec.axes], "hash", "status", "elapsed_s",
           "worker", "code_version", "error", *metric_names]
    for point in spec.points:
        record = records.get(point.hash, {})
        metrics = record.get("metrics", {})
        yield [*point.index, *[point.assignments[a.key] for a in spec.axes], point.hash,
               record.get("status", "pending"), "" if record.get("elapsed_s") is None else f"{record['elapsed_s']:.3f}",
               record.get("worker", ""), code_version(record), record.get("error", ""),
               *["" if m not in metrics else repr(metrics[m]) for m in metric_names]]


def write_exports(spec: SweepSpec, records: dict[str, dict[str, Any]], directory: Path) -> list[Path]:
    """Write ``results.nc`` and ``results.csv`` atomically; returns the paths."""
    dataset = build_dataset(spec, records)
    nc, table = directory / "results.nc", directory / "results.csv"
    atomic_write(nc, lambda path: dataset.to_netcdf(path, engine="scipy"))
    metric_names = [name for name in dataset.data_vars if name not in NOT_METRICS]

    def write_csv(path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(_csv_rows(spec, records, metric_names))

    atomic_write(table, write_csv)
    return [nc, table]
