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
from typing import Annotated, Any, ClassVar, NamedTuple

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ketasim.config import ConfigError, ScenarioConfig, apply_override, read_yaml, validate_scenario
from ketasim.messages import describe
from ketasim.units import KINDS, UnitError, parse_quantity
from ketasim.version import __version__

__all__ = ["MODELS", "Axis", "Point", "SweepFile", "SweepSpec", "config_hash", "load_sweep", "parse_sweep"]

SWEEP_KEYS = ("base", "grid", "points", "sample", "model", "description")
SAMPLE_KEYS = ("method", "n", "seed", "bounds")
SAMPLE_METHODS = ("lhs", "sobol", "halton")
MAX_POINTS = 100_000  # anything larger is almost surely a typo in a grid
MAX_SAMPLED_KEYS = 1000  # Sobol engines stop at 21201 dimensions; no sweep samples this many keys
# Models a sweep config may name (configs are data: no arbitrary imports from YAML).
MODELS = {"scenario": "ketasim.scenario:simulate"}
POINT_DIM = "point"
CANONICAL_UNITS = {"time": "h", "dose": "mg/kg", "concentration": "uM", "frequency": "Hz"}


# ------------------------------------------------------------------ the sweep file's structure
class _KeyedError(ValueError):
    """A validation error about ``key`` (relative to where it is raised; ``None``: right there)."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _axis_key(key: Any) -> str:
    """A dotted scenario key (``dosing.0.dose``) whose root is a scenario field."""
    if not isinstance(key, str) or not key or "=" in key or any(not p for p in key.split(".")):
        raise ValueError("axis keys are dotted config keys, e.g. dosing.0.dose")
    if key == "base" or key.split(".")[0] not in ScenarioConfig.model_fields:
        raise ValueError(f"not a scenario key; allowed roots: {', '.join(ScenarioConfig.model_fields)}")
    return key


AxisKey = Annotated[str, BeforeValidator(_axis_key)]


def _grid_values(values: Any) -> list[Any]:
    if not isinstance(values, list) or not values:
        raise ValueError("must be a non-empty list of values")
    if any(not isinstance(v, str | int | float) for v in values):  # true/false pass as numbers
        raise ValueError("values must be single numbers or unit strings")
    return values


GridValues = Annotated[list[Any], BeforeValidator(_grid_values)]


class SampleRange(NamedTuple):
    """A sampled key's range: ``kind`` (``None`` for plain numbers), canonical bounds, whole numbers or not."""

    kind: str | None
    low: float
    high: float
    integer: bool


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


def _bounds_pair(pair: Any) -> SampleRange:
    if not isinstance(pair, list) or len(pair) != 2:
        raise ValueError("must be [low, high]")
    kinds = {_bound_kind(v) for v in pair}
    if len(kinds) > 1 and 0 in pair:
        kinds.discard(None)  # a bare 0 fits every kind
    if "?" in kinds or len(kinds) > 1:
        raise ValueError(f"bounds must be two numbers or two quantities of one kind ({', '.join(KINDS)}) "
                         f"(got {describe(pair)})")
    kind = kinds.pop() if kinds else None
    try:
        low, high = (parse_quantity(v, kind) if kind else float(v) for v in pair)
    except OverflowError:
        low = high = math.inf
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(high - low)):
        raise ValueError(f"bounds must be finite numbers (got {describe(pair)})")
    if not high > low:
        raise ValueError(f"high must be above low (got {describe(pair)})")
    return SampleRange(kind, low, high, kind is None and all(isinstance(v, int) for v in pair))


Bounds = Annotated[SampleRange, BeforeValidator(_bounds_pair)]


def _whole(lo: int, hi: int | None):
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi):
            allowed = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
            raise ValueError(f"must be a whole number {allowed} (got {describe(value)})")
        return value

    return BeforeValidator(check)


def _choice(what: str, allowed):
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"unknown {what} {describe(value)}; allowed: {', '.join(allowed)}")
        return value

    return BeforeValidator(check)


def _mapping_of(message: str, allow_none: bool):
    def check(value: Any) -> Any:
        if value is None and allow_none:
            return None
        if not isinstance(value, Mapping) or not value:
            raise ValueError(message)
        return dict(value)

    return BeforeValidator(check)


class _SweepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)
    keys: ClassVar[tuple[str, ...]] = ()  # the allowed keys as listed in errors

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in data:
                if key not in cls.model_fields:
                    raise _KeyedError(str(key), f"unknown key; allowed: {', '.join(cls.keys)}")
        return data


class SampleSpec(_SweepModel):
    """``sample:`` a Latin hypercube, Sobol or Halton sample of ``n`` points within ``bounds``."""

    keys: ClassVar[tuple[str, ...]] = SAMPLE_KEYS

    method: Annotated[str, _choice("method", SAMPLE_METHODS)] = "lhs"
    n: Annotated[int, _whole(1, MAX_POINTS)] = None  # type: ignore[assignment] # required: None is refused
    seed: Annotated[int, _whole(0, None)] = 0
    bounds: Annotated[dict[AxisKey, Bounds], _mapping_of(
        "must map dotted keys to [low, high], e.g. {dosing.0.dose: [0 mg/kg, 100 mg/kg]}", False)] = None  # type: ignore[assignment]

    @field_validator("bounds", mode="before")
    @classmethod
    def _not_too_many(cls, bounds: Any) -> Any:
        if isinstance(bounds, Mapping) and len(bounds) > MAX_SAMPLED_KEYS:
            raise ValueError(f"{len(bounds)} keys is more than the allowed {MAX_SAMPLED_KEYS}")
        return bounds

    @field_validator("n")
    @classmethod
    def _sobol_power_of_two(cls, n: int, info: ValidationInfo) -> int:
        if info.data.get("method") == "sobol" and n & (n - 1):
            raise ValueError(f"a Sobol sample needs a power of two (got {n}); e.g. {2 ** round(math.log2(n))}")
        return n


def _base(value: Any) -> Any:
    if value is None:
        raise ValueError("required key is missing: a scenario file or an inline scenario")
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        raise ValueError("must be a scenario file name or an inline scenario mapping")
    return value


def _points(points: Any) -> Any:
    if points is None:
        return None
    if not isinstance(points, list) or not points or not all(isinstance(p, Mapping) and p for p in points):
        raise ValueError("must be a non-empty list of mappings {dotted key: value}")
    keys = list(points[0])
    for i, item in enumerate(points):
        if list(item) != keys:
            raise _KeyedError(str(i), f"every point must set the same keys: {', '.join(map(str, keys))}")
    return [dict(p) for p in points]


def _description(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _sample(value: Any) -> Any:
    if value is not None and not isinstance(value, Mapping):
        raise ValueError("must be a mapping with method, n, seed, bounds")
    return value


class SweepFile(_SweepModel):
    """The structure of a sweep config (what :func:`parse_sweep` expands into points).

    Field order is the order of the checks: the first problem is reported.
    """

    keys: ClassVar[tuple[str, ...]] = SWEEP_KEYS

    base: Annotated[str | dict, BeforeValidator(_base)] = None  # type: ignore[assignment] # required
    model: Annotated[str, _choice("model", tuple(MODELS))] = "scenario"
    description: Annotated[str, BeforeValidator(_description)] = ""
    grid: Annotated[dict[AxisKey, GridValues] | None, _mapping_of(
        "must map dotted keys to lists of values, e.g. {seed: [0, 1, 2]}", True)] = None
    points: Annotated[list[dict[AxisKey, Any]] | None, BeforeValidator(_points)] = None
    sample: Annotated[SampleSpec | None, BeforeValidator(_sample)] = None

    @field_validator("sample", mode="before")
    @classmethod
    def _points_or_sample(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("points") is not None:
            raise ValueError("give either points or sample, not both")
        return value

    @model_validator(mode="after")
    def _axes(self) -> SweepFile:
        listed = set(self.points[0]) if self.points else set(self.sample.bounds) if self.sample else set()
        overlap = set(self.grid or {}) & listed
        if overlap:
            raise _KeyedError("grid", f"key {sorted(overlap)[0]} is swept twice (in grid and in points/sample)")
        if not self.grid and not listed:
            raise _KeyedError(None, "a sweep needs at least one of: grid, points, sample")
        return self


def _spec_error(exc: ValidationError, source: str) -> ConfigError:
    """The first error of a sweep file, as one line naming the dotted key."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"] if part != "[key]"]  # dict keys: grid.<key>.[key]
    message = error["msg"]
    original = (error.get("ctx") or {}).get("error")
    if isinstance(original, _KeyedError):
        loc += [original.key] if original.key is not None else []
        message = original.message
    elif message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return ConfigError(source, ".".join(loc), message)


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
    try:
        sweep = SweepFile.model_validate(dict(data))
    except ValidationError as exc:
        raise _spec_error(exc, source) from None
    base = _read_base(sweep.base, root or Path.cwd())

    grid_axes = [Axis(key, key, list(values)) for key, values in (sweep.grid or {}).items()]
    if sweep.points:
        point_axes = [Axis(k, POINT_DIM, [p[k] for p in sweep.points]) for k in sweep.points[0]]
        n_listed = len(sweep.points)
    elif sweep.sample:
        point_axes, n_listed = _sampled_points(sweep.sample), sweep.sample.n
    else:
        point_axes, n_listed = [], 0
    sampled = sweep.sample is not None

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
    spec = SweepSpec(source, base, point_axes + grid_axes, dims, shape, points, MODELS[sweep.model],
                     sweep.description, dict(data))
    _check_distinct(spec)
    return spec


def _read_base(base: str | dict, root: Path) -> dict[str, Any]:
    if isinstance(base, dict):
        return copy.deepcopy(base)
    path = Path(base)
    path = path if path.is_absolute() else root / path
    data = read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(str(path), "", "a config must be a mapping of keys to values")
    return copy.deepcopy(dict(data))


def _sampled_points(sample: SampleSpec) -> list[Axis]:
    from scipy.stats import qmc

    d, seed = len(sample.bounds), sample.seed
    if sample.method == "lhs":
        engine = qmc.LatinHypercube(d, rng=seed)
    elif sample.method == "sobol":
        engine = qmc.Sobol(d, scramble=True, rng=seed)
    else:
        engine = qmc.Halton(d, scramble=True, rng=seed)
    unit_cube = engine.random(sample.n).tolist()  # plain floats: values are written into configs
    axes = []
    for j, (key, (kind, low, high, integer)) in enumerate(sample.bounds.items()):
        column = [row[j] for row in unit_cube]
        if integer:
            values: list[Any] = [int(min(math.floor(low + u * (high - low + 1)), high)) for u in column]
        elif kind:
            values = [f"{low + u * (high - low)!r} {CANONICAL_UNITS[kind]}" for u in column]
        else:
            values = [float(low + u * (high - low)) for u in column]
        axes.append(Axis(key, POINT_DIM, values))
    return axes


def _describe(assignments: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in assignments.items())


def _as_yaml(value: Any) -> str:
    """A value as YAML text that reads back to the same value (and type: a string stays a string)."""
    try:
        return json.dumps(value, allow_nan=False)  # JSON is YAML, and fast
    except (TypeError, ValueError):  # dates, NaN, ...: YAML's own spelling
        try:
            return yaml.safe_dump(value, default_flow_style=True, width=2**31, allow_unicode=True)
        except yaml.YAMLError:
            raise ConfigError("<sweep>", "", f"{describe(value)} cannot be written into a config") from None


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
            data = apply_override(data, f"{key}={_as_yaml(value)}")
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
    """The resolved value at a dotted key as (number or text, unit).

    A model parameter's key (``parameters.signalling.spines.tau``) is one
    name after ``parameters.``: its dots belong to the parameter's name.
    """
    node: Any = config.resolved()
    head, _, name = key.partition(".")
    parts = [head, name] if head == "parameters" and name else key.split(".")
    try:
        for part in parts:
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
