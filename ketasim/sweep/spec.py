"""Sweep configs: a base scenario plus axes over dotted keys.

A sweep config is data (YAML, ``safe_load``)::

    base: ../default.yaml                 # a scenario file (relative to this file) or an inline mapping
    grid: {dosing.0.dose: [0 mg/kg, 10 mg/kg], seed: [0, 1, 2]}
    points: [{dosing.0.at: 1 h}, {dosing.0.at: 22 h}]        # explicit list (optional)
    sample: {method: sobol, n: 16, seed: 0, bounds: {dosing.0.dose: [0 mg/kg, 100 mg/kg]}}

``grid`` axes form a full factorial. ``points`` (an explicit list) or
``sample`` (Latin hypercube, Sobol or Halton, via :mod:`scipy.stats.qmc`)
give a one-dimensional ``point`` axis, crossed with the grid when both are
present (e.g. sampled doses × a grid of seeds). Every point is validated as a
scenario before anything runs; an error names the sweep file and the axis.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketasim import __version__
from ketasim.config import ConfigError, ScenarioConfig, apply_override, read_yaml, validate_scenario
from ketasim.units import KINDS, UnitError, parse_quantity

__all__ = ["MODELS", "Axis", "Point", "SweepSpec", "config_hash", "load_sweep", "parse_sweep"]

SWEEP_KEYS = ("base", "grid", "points", "sample", "model", "description")
SAMPLE_KEYS = ("method", "n", "seed", "bounds")
SAMPLE_METHODS = ("lhs", "sobol", "halton")
MAX_POINTS = 100_000  # anything larger is almost surely a typo in a grid
# Models a sweep config may name (configs are data: no arbitrary imports from YAML).
MODELS = {"scenario": "ketasim.scenario:simulate"}
POINT_DIM = "point"
CANONICAL_UNITS = {"time": "h", "dose": "mg/kg", "concentration": "uM", "frequency": "Hz"}


@dataclass(frozen=True)
class Axis:
    """One swept key.

    Attributes
    ----------
    key : str
        Dotted config key (``dosing.0.dose``).
    dim : str
        Dimension it varies along in ``results.nc``: ``key`` for a grid axis,
        ``"point"`` for explicit points and samples.
    values : list
        Raw config values, in order (grid axes: each value once).
    """

    key: str
    dim: str
    values: list[Any]


@dataclass
class Point:
    """One scenario of a sweep.

    Attributes
    ----------
    index : tuple of int
        Position along each dimension of :attr:`SweepSpec.dims`.
    assignments : dict
        Axis key → raw value.
    config : ScenarioConfig
        The validated scenario.
    hash : str
        :func:`config_hash` of the resolved config (with version, model, quick).
    """

    index: tuple[int, ...]
    assignments: dict[str, Any]
    config: ScenarioConfig
    hash: str = ""


@dataclass
class SweepSpec:
    """A parsed, fully validated sweep."""

    source: str
    base: dict[str, Any]
    axes: list[Axis]
    dims: list[str]
    shape: tuple[int, ...]
    points: list[Point]
    model: str = MODELS["scenario"]
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def base_hash(self) -> str:
        """sha256 of the base scenario as written (canonical JSON)."""
        return _sha(_canonical(self.base))

    def with_run_options(self, model: str | None, quick: bool) -> SweepSpec:
        """Fix the model and quick flag and compute every point's hash."""
        if model is not None:
            self.model = model
        for point in self.points:
            point.hash = config_hash(point.config, self.model, quick)
        return self


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_hash(config: ScenarioConfig, model: str = MODELS["scenario"], quick: bool = False) -> str:
    """sha256 of the canonical resolved config plus ketasim version, model and profile."""
    payload = {"config": config.resolved(), "version": __version__, "model": model, "quick": bool(quick)}
    return _sha(_canonical(payload))


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep config file.

    Raises
    ------
    ConfigError
        On any problem, naming the sweep file and the key; nothing is run or written.
    """
    data = read_yaml(path)
    return parse_sweep(data, source=str(path), root=Path(path).resolve().parent)


def parse_sweep(data: Any, source: str = "<sweep>", root: Path | None = None) -> SweepSpec:
    """Validate a parsed sweep mapping and expand it into points."""
    if not isinstance(data, Mapping):
        raise ConfigError(source, "", "a sweep config must be a mapping with 'base' and 'grid', 'points' or 'sample'")
    for key in data:
        if key not in SWEEP_KEYS:
            raise ConfigError(source, str(key), f"unknown key; allowed: {', '.join(SWEEP_KEYS)}")
    base = _read_base(data.get("base"), source, root or Path.cwd())
    model = data.get("model", "scenario")
    if model not in MODELS:
        raise ConfigError(source, "model", f"unknown model {model!r}; allowed: {', '.join(MODELS)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(source, "description", "must be text")

    grid_axes = _grid_axes(data.get("grid"), source)
    point_axes, n_listed = _listed_axes(data, source)
    sampled = data.get("sample") is not None
    overlap = {a.key for a in grid_axes} & {a.key for a in point_axes}
    if overlap:
        raise ConfigError(source, "grid", f"key {sorted(overlap)[0]} is swept twice (in grid and in points/sample)")
    if not grid_axes and not point_axes:
        raise ConfigError(source, "", "a sweep needs at least one of: grid, points, sample")

    dims = ([POINT_DIM] if point_axes else []) + [a.key for a in grid_axes]
    shape = ((n_listed,) if point_axes else ()) + tuple(len(a.values) for a in grid_axes)
    total = math.prod(shape)
    if total > MAX_POINTS:
        raise ConfigError(source, "grid", f"{total} points is more than the allowed {MAX_POINTS}")

    points: list[Point] = []
    for index in itertools.product(*(range(n) for n in shape)):
        assignments: dict[str, Any] = {}
        offset = 0
        if point_axes:
            assignments.update({a.key: a.values[index[0]] for a in point_axes})
            offset = 1
        for axis, i in zip(grid_axes, index[offset:], strict=True):
            assignments[axis.key] = axis.values[i]
        points.append(Point(index, assignments, _point_config(base, assignments, grid_axes, source, index, sampled)))
    spec = SweepSpec(source, base, point_axes + grid_axes, dims, shape, points, MODELS[model], description,
                     dict(data))
    _check_distinct(spec)
    return spec


def _read_base(base: Any, source: str, root: Path) -> dict[str, Any]:
    if base is None:
        raise ConfigError(source, "base", "required key is missing: a scenario file or an inline scenario")
    if isinstance(base, str):
        path = Path(base)
        path = path if path.is_absolute() else root / path
        data = read_yaml(path)
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ConfigError(str(path), "", "a config must be a mapping of keys to values")
        return copy.deepcopy(dict(data))
    if isinstance(base, Mapping):
        return copy.deepcopy(dict(base))
    raise ConfigError(source, "base", "must be a scenario file name or an inline scenario mapping")


def _check_key(key: Any, source: str, where: str) -> str:
    if not isinstance(key, str) or not key or any(not p for p in key.split(".")):
        raise ConfigError(source, f"{where}.{key}", "axis keys are dotted config keys, e.g. dosing.0.dose")
    if key == "base" or key.split(".")[0] not in ScenarioConfig.model_fields:
        raise ConfigError(source, f"{where}.{key}",
                          f"not a scenario key; allowed roots: {', '.join(ScenarioConfig.model_fields)}")
    return key


def _grid_axes(grid: Any, source: str) -> list[Axis]:
    if grid is None:
        return []
    if not isinstance(grid, Mapping) or not grid:
        raise ConfigError(source, "grid", "must map dotted keys to lists of values, e.g. {seed: [0, 1, 2]}")
    axes = []
    for key, values in grid.items():
        _check_key(key, source, "grid")
        if not isinstance(values, list) or not values:
            raise ConfigError(source, f"grid.{key}", "must be a non-empty list of values")
        if any(v is None or isinstance(v, dict | list) for v in values):
            raise ConfigError(source, f"grid.{key}", "values must be single numbers or unit strings")
        axes.append(Axis(key, key, list(values)))
    return axes


def _listed_axes(data: Mapping, source: str) -> tuple[list[Axis], int]:
    if data.get("points") is not None and data.get("sample") is not None:
        raise ConfigError(source, "sample", "give either points or sample, not both")
    if data.get("points") is not None:
        return _explicit_points(data["points"], source)
    if data.get("sample") is not None:
        return _sampled_points(data["sample"], source)
    return [], 0


def _explicit_points(points: Any, source: str) -> tuple[list[Axis], int]:
    if not isinstance(points, list) or not points or not all(isinstance(p, Mapping) and p for p in points):
        raise ConfigError(source, "points", "must be a non-empty list of mappings {dotted key: value}")
    keys = list(points[0])
    for i, item in enumerate(points):
        if list(item) != keys:
            raise ConfigError(source, f"points.{i}", f"every point must set the same keys: {', '.join(keys)}")
    for key in keys:
        _check_key(key, source, "points.0")
    return [Axis(k, POINT_DIM, [p[k] for p in points]) for k in keys], len(points)


def _bound_kind(value: Any) -> str | None:
    """The quantity kind of a bound (``None`` for a plain number)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None
    for kind in KINDS:
        try:
            parse_quantity(value, kind)
            return kind
        except UnitError:
            continue
    return "?"


def _sampled_points(sample: Any, source: str) -> tuple[list[Axis], int]:
    from scipy.stats import qmc

    if not isinstance(sample, Mapping):
        raise ConfigError(source, "sample", "must be a mapping with method, n, seed, bounds")
    for key in sample:
        if key not in SAMPLE_KEYS:
            raise ConfigError(source, f"sample.{key}", f"unknown key; allowed: {', '.join(SAMPLE_KEYS)}")
    method = sample.get("method", "lhs")
    if method not in SAMPLE_METHODS:
        raise ConfigError(source, "sample.method", f"unknown method {method!r}; allowed: {', '.join(SAMPLE_METHODS)}")
    n, seed = sample.get("n"), sample.get("seed", 0)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_POINTS:
        raise ConfigError(source, "sample.n", f"must be a whole number from 1 to {MAX_POINTS} (got {n!r})")
    if method == "sobol" and n & (n - 1):
        raise ConfigError(source, "sample.n", f"a Sobol sample needs a power of two (got {n}); e.g. {2 ** round(math.log2(n))}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(source, "sample.seed", f"must be a whole number >= 0 (got {seed!r})")
    bounds = sample.get("bounds")
    if not isinstance(bounds, Mapping) or not bounds:
        raise ConfigError(source, "sample.bounds", "must map dotted keys to [low, high], e.g. {dosing.0.dose: [0 mg/kg, 100 mg/kg]}")
    ranges = []
    for key, pair in bounds.items():
        _check_key(key, source, "sample.bounds")
        where = f"sample.bounds.{key}"
        if not isinstance(pair, list) or len(pair) != 2:
            raise ConfigError(source, where, "must be [low, high]")
        kinds = {_bound_kind(v) for v in pair}
        if len(kinds) > 1 and 0 in pair:
            kinds.discard(None)  # a bare 0 fits every kind
        if "?" in kinds or len(kinds) > 1:
            raise ConfigError(source, where, f"bounds must be two numbers or two quantities of one kind "
                                             f"({', '.join(KINDS)}) (got {pair!r})")
        kind = kinds.pop() if kinds else None
        low, high = (parse_quantity(v, kind) if kind else float(v) for v in pair)
        if not high > low:
            raise ConfigError(source, where, f"high must be above low (got {pair!r})")
        integer = kind is None and all(isinstance(v, int) for v in pair)
        ranges.append((key, kind, low, high, integer))
    d = len(ranges)
    if method == "lhs":
        engine = qmc.LatinHypercube(d, rng=seed)
    elif method == "sobol":
        engine = qmc.Sobol(d, scramble=True, rng=seed)
    else:
        engine = qmc.Halton(d, scramble=True, rng=seed)
    unit_cube = engine.random(n).tolist()  # plain floats: values are written into configs
    axes = []
    for j, (key, kind, low, high, integer) in enumerate(ranges):
        column = [row[j] for row in unit_cube]
        if integer:
            values: list[Any] = [int(min(math.floor(low + u * (high - low + 1)), high)) for u in column]
        elif kind:
            values = [f"{low + u * (high - low)!r} {CANONICAL_UNITS[kind]}" for u in column]
        else:
            values = [float(low + u * (high - low)) for u in column]
        axes.append(Axis(key, POINT_DIM, values))
    return axes, n


def _describe(assignments: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in assignments.items())


def _point_config(base: dict, assignments: dict, grid_axes: list[Axis], source: str, index,
                  sampled: bool = False) -> ScenarioConfig:
    grid_keys = {a.key for a in grid_axes}

    def located(key: str, value: Any, message: str) -> ConfigError:
        """An error at the axis that set ``key``: grid.KEY, points.N.KEY or sample.bounds.KEY (sample N)."""
        if key in grid_keys:
            return ConfigError(source, f"grid.{key}", f"at {key}={value}: {message}")
        if sampled:
            return ConfigError(source, f"sample.bounds.{key}", f"at sample {index[0]}, {key}={value}: {message}")
        return ConfigError(source, f"points.{index[0]}.{key}", f"at {key}={value}: {message}")

    data: Any = base
    for key, value in assignments.items():
        try:
            # JSON is YAML: the value keeps its type (a string stays a string).
            data = apply_override(data, f"{key}={json.dumps(value)}")
        except ConfigError as exc:
            raise located(key, value, exc.message) from None
    try:
        return validate_scenario(data, source)
    except ConfigError as exc:
        for key, value in assignments.items():
            if exc.key == key or exc.key.startswith(key + ".") or key.startswith(exc.key + "."):
                raise located(key, value, exc.message) from None
        raise ConfigError(source, f"base.{exc.key}" if exc.key else "base",
                          f"{exc.message} (at point {_describe(assignments)})") from None


def _check_distinct(spec: SweepSpec) -> None:
    """Two values of one grid axis must not resolve to the same setting."""
    for axis in spec.axes:
        if axis.dim == POINT_DIM:
            continue
        seen: dict[str, Any] = {}
        position = spec.dims.index(axis.dim)
        for point in spec.points:
            if any(i for d, i in enumerate(point.index) if d != position):
                continue
            value = resolved_value(point.config, axis.key)
            label = repr(value)
            if label in seen:
                raise ConfigError(spec.source, f"grid.{axis.key}",
                                  f"values {seen[label]!r} and {point.assignments[axis.key]!r} are the same setting")
            seen[label] = point.assignments[axis.key]


def resolved_value(config: ScenarioConfig, key: str) -> tuple[float | int | str, str]:
    """The resolved value at a dotted key as (number or text, unit)."""
    node: Any = config.resolved()
    try:
        for part in key.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
    except (KeyError, IndexError, ValueError, TypeError):
        return "", ""
    if isinstance(node, bool):
        return int(node), ""
    if isinstance(node, int | float):
        return node, ""
    if isinstance(node, str):
        number, _, unit = node.partition(" ")
        try:
            return float(number), unit
        except ValueError:
            return node, ""
    return json.dumps(node, sort_keys=True), ""
