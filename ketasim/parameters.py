"""The registry of model parameters, and the parameter sets a run uses.

Each layer declares its constants through :func:`param`, which records the
default value, unit, source (paper and table/figure, or the effect it was
fitted to) and the range a run may move it over, and returns a
:class:`ParamRef`. A layer reads a value at run time by calling the
reference (``TAU_AMPA()``), never at import: the value comes from the
:class:`ParameterSet` that is *active*, which is the registry's defaults
unless a run activated another (:func:`using`). The pipeline activates the
scenario's set (its ``parameters:`` overrides) for the duration of a run, so
one process can run scenarios with different parameters one after another,
or in different threads.

``docs/parameters.md`` is rendered from this registry
(``python -m ketasim.parameters > docs/parameters.md``) and a test checks
that the committed table is current, so no parameter enters the model
without a source and a range.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypedDict

from ketasim.units import UnitError, convert_to

__all__ = [
    "DEFAULT_FITTED_RANGE",
    "ParamRange",
    "ParamRef",
    "Parameter",
    "ParameterError",
    "ParameterSet",
    "current",
    "param",
    "record_reads",
    "registry",
    "render_table",
    "using",
]

DEFAULT_FITTED_RANGE = (0.5, 2.0)
"""Range of a fitted parameter whose source gives no spread: this factor band around the fitted value."""

_DEFAULT_RANGE_REASON = "default: x0.5 to x2 of the fitted value (no source gives a spread)"


class ParamRange(TypedDict):
    """A range shared by several parameters, passed to :func:`param` as ``**range``."""

    low: float
    high: float
    range_reason: str


class ParameterError(ValueError):
    """A bad parameter override: ``key`` is the dotted parameter name, ``message`` what is allowed."""

    def __init__(self, key: str, message: str):
        self.key, self.message = key, message
        super().__init__(f"{key}: {message}")


@dataclass(frozen=True)
class Parameter:
    """One model constant.

    Attributes
    ----------
    layer : str
        Package layer that owns it (``pharmacology``, ``circuit``, ...).
    name : str
        Dotted name, unique within the layer.
    value : float
        Default value, in ``unit``.
    unit : str
        Unit of ``value`` ("1" for dimensionless).
    source : str
        Paper and table/figure, or ``"fitted: <to which effect>"``.
    note : str
        Why this value, or where the literature disagrees.
    low, high : float or None
        Declared range an override may take (inclusive), in ``unit``.
    range_reason : str
        Where the range comes from (a reported spread, a span of published
        values, a physical bound, or the stated default).
    """

    layer: str
    name: str
    value: float
    unit: str
    source: str
    note: str = ""
    low: float | None = None
    high: float | None = None
    range_reason: str = ""

    @property
    def key(self) -> str:
        """``layer.name``: how configs and sweeps name the parameter."""
        return f"{self.layer}.{self.name}"

    @property
    def fitted(self) -> bool:
        return self.source.lower().startswith("fitted")

    @property
    def bounds(self) -> tuple[float, float]:
        """The allowed range of an override (inclusive).

        The declared range if there is one; for a fitted parameter without
        one, :data:`DEFAULT_FITTED_RANGE` around its value; for a measured
        parameter without one, any finite value of the default's sign (a
        zero default: any value ≥ 0).
        """
        if self.low is not None and self.high is not None:
            return self.low, self.high
        if self.fitted and self.value != 0:
            a, b = (self.value * f for f in DEFAULT_FITTED_RANGE)
            return min(a, b), max(a, b)
        return (-math.inf, 0.0) if self.value < 0 else (0.0, math.inf)

    @property
    def bounds_reason(self) -> str:
        if self.low is not None and self.high is not None:
            return self.range_reason
        if self.fitted and self.value != 0:
            return _DEFAULT_RANGE_REASON
        return "measured: any value of the published value's sign"


_REGISTRY: dict[str, Parameter] = {}


class ParamRef:
    """A registered parameter, read at run time: calling it gives the active set's value.

    Deliberately not a number: arithmetic on a reference fails, so no code
    can freeze the default by using it without calling it.
    """

    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key

    def __call__(self) -> float:
        return _ACTIVE.get().value(self.key)

    @property
    def default(self) -> float:
        return _REGISTRY[self.key].value

    def __repr__(self) -> str:
        return f"ParamRef({self.key!r})"


def param(
    layer: str,
    name: str,
    value: float,
    unit: str,
    source: str,
    note: str = "",
    *,
    low: float | None = None,
    high: float | None = None,
    range_reason: str = "",
) -> ParamRef:
    """Register a parameter; return the reference through which code reads it.

    Raises
    ------
    ValueError
        If the source is empty, the range is half given, unexplained or does
        not hold the value, or the name is registered twice with another value.
    """
    if not source.strip():
        raise ValueError(f"parameter {layer}.{name} has no source")
    if (low is None) != (high is None):
        raise ValueError(f"parameter {layer}.{name}: give both ends of its range or neither")
    if low is not None and high is not None and not (low <= value <= high and range_reason.strip()):
        raise ValueError(f"parameter {layer}.{name}: its range must hold its value and say where it comes from")
    entry = Parameter(layer, name, float(value), unit, source, note,
                      None if low is None else float(low), None if high is None else float(high), range_reason)
    if entry.key in _REGISTRY and _REGISTRY[entry.key] != entry:
        raise ValueError(f"parameter {entry.key} registered twice with different values")
    _REGISTRY[entry.key] = entry
    return ParamRef(entry.key)


def registry() -> list[Parameter]:
    """Every registered parameter, sorted by layer and name.

    A layer's parameters register when its package is imported;
    :mod:`ketasim.config` imports every layer, so after ``import ketasim.config``
    the registry is complete (a test checks it against a walk of the package).
    """
    return sorted(_REGISTRY.values(), key=lambda p: (p.layer, p.name))


def lookup(key: str) -> Parameter:
    """The registered parameter called ``key`` (``layer.name``).

    Raises
    ------
    ParameterError
        If no parameter has that name (the message names near matches).
    """
    try:
        return _REGISTRY[key]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(key, list(_REGISTRY), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(near)}?" if near else "see docs/parameters.md for the registered names"
        raise ParameterError(key, f"unknown parameter; {hint}") from None


class ParameterSet(Mapping[str, float]):
    """The registry's defaults with some values overridden; immutable.

    Parameters
    ----------
    overrides : mapping of str to float, optional
        ``layer.name`` → value in the parameter's registered unit. Each is
        checked against the registry (name and declared range).

    Raises
    ------
    ParameterError
        For an unknown name, a non-finite value or one outside its range.
    """

    __slots__ = ("_overrides", "_digest")

    def __init__(self, overrides: Mapping[str, float] | None = None):
        checked: dict[str, float] = {}
        for key, value in sorted((overrides or {}).items()):
            spec = lookup(key)
            value = float(value)
            low, high = spec.bounds
            if not math.isfinite(value):
                raise ParameterError(key, f"{value!r} is not a finite number")
            if not low <= value <= high:
                raise ParameterError(key, f"{value:g} {spec.unit} is outside its range "
                                          f"[{low:g}, {high:g}] {spec.unit} ({spec.bounds_reason})")
            if value != spec.value:
                checked[key] = value
        self._overrides = checked
        text = repr(sorted(checked.items()))
        self._digest = hashlib.sha256(text.encode()).hexdigest()[:16]

    def value(self, key: str) -> float:
        """The value of ``key`` (``layer.name``) in its registered unit."""
        if _READS is not None:
            _READS.add(key)
        found = self._overrides.get(key)
        return _REGISTRY[key].value if found is None else found

    def __getitem__(self, key: str) -> float:
        lookup(key)
        return self.value(key)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(_REGISTRY))

    def __len__(self) -> int:
        return len(_REGISTRY)

    @property
    def overrides(self) -> dict[str, float]:
        """The values that differ from the registry's defaults."""
        return dict(self._overrides)

    def digest(self, layer: str | None = None, only: Callable[[str], bool] | None = None) -> str:
        """A short hash of the overrides (of one layer's only, and of the names ``only`` accepts, if given).

        A cache key for built artefacts.
        """
        if layer is None and only is None:
            return self._digest
        own = sorted((k, v) for k, v in self._overrides.items()
                     if (layer is None or _REGISTRY[k].layer == layer) and (only is None or only(k)))
        return hashlib.sha256(repr(own).encode()).hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterSet) and self._overrides == other._overrides

    def __hash__(self) -> int:
        return hash(self._digest)

    def __repr__(self) -> str:
        return f"ParameterSet({self._overrides!r})"


def parse_overrides(raw: Any) -> dict[str, float]:
    """Config ``parameters:`` → ``{layer.name: value in the registered unit}``.

    Accepts dotted keys (``signalling.spines.tau: 5 d``) and nested mappings
    (``signalling: {spines: {tau: 5 d}}``) alike; values are unit strings
    converted to the parameter's unit, or bare numbers for dimensionless
    parameters.

    Raises
    ------
    ParameterError
        For an unknown name, a wrong or missing unit, or a value that is not
        a number.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ParameterError("parameters", "must be a mapping of parameter names to values, "
                                           "e.g. {signalling.spines.tau: 5 d}")
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping) -> None:
        for key, value in node.items():
            if not isinstance(key, str) or not key:
                raise ParameterError(f"{prefix}{key}", "parameter names are dotted text, e.g. signalling.spines.tau")
            name = f"{prefix}{key}"
            if isinstance(value, Mapping) and name not in _REGISTRY:
                walk(name + ".", value)
            else:
                flat[name] = value

    walk("", raw)
    out: dict[str, float] = {}
    for key, value in flat.items():
        spec = lookup(key)
        try:
            out[key] = convert_to(value, spec.unit)
        except UnitError as exc:
            raise ParameterError(key, str(exc)) from None
    return out


_DEFAULTS = ParameterSet()
_ACTIVE: ContextVar[ParameterSet] = ContextVar("ketasim_parameters", default=_DEFAULTS)


def current() -> ParameterSet:
    """The active parameter set (the registry's defaults unless a run activated another)."""
    return _ACTIVE.get()


_READS: set[str] | None = None


@contextmanager
def record_reads() -> Iterator[set[str]]:
    """Collect the name of every parameter read in this process, from any set and thread, inside the block.

    Yields the set, filled as the block runs. A value read before the block
    and kept (a cache, a compiled binary) is not read again, so record in a
    fresh process to learn everything a computation uses.
    """
    global _READS
    if _READS is not None:
        raise RuntimeError("record_reads() is already recording in this process")
    found: set[str] = set()
    _READS = found
    try:
        yield found
    finally:
        _READS = None


@contextmanager
def using(parameters: ParameterSet) -> Iterator[ParameterSet]:
    """Make ``parameters`` the active set inside the ``with`` block (this thread/context only)."""
    token = _ACTIVE.set(parameters)
    try:
        yield parameters
    finally:
        _ACTIVE.reset(token)


def _range_text(p: Parameter) -> str:
    low, high = p.bounds
    if math.isinf(low) or math.isinf(high):
        return "≤ 0" if math.isinf(low) else "≥ 0"
    return f"{low:g} – {high:g}"


def render_table() -> str:
    """The Markdown parameter table (``docs/parameters.md``)."""
    lines = [
        "# Parameter table",
        "",
        "Generated from the parameter registry (`ketasim parameters --markdown > docs/parameters.md`);",
        "a test fails when this file is out of date. *fitted* marks a value calibrated to an",
        "effect rather than taken from a measurement; the source column says to what.",
        "",
        "Any parameter can be overridden for one run by its full name (`layer.name`) with units,",
        "within its range: `parameters: {signalling.spines.tau: 5 d}` in a config, or",
        '`--set parameters.signalling.spines.tau="5 d"`. The range column is what an override may take;',
        f"a fitted parameter without a reported spread gets {_DEFAULT_RANGE_REASON.split(': ', 1)[1]}",
        "(marked *default*); a measured one without a declared range takes any value of its sign.",
        "",
    ]
    current_layer = None
    for p in registry():
        if p.layer != current_layer:
            current_layer = p.layer
            lines += ["", f"## {current_layer}", "",
                      "| name | value | unit | range | source | note |", "| --- | --- | --- | --- | --- | --- |"]
        reason = p.bounds_reason
        mark = " *default*" if reason == _DEFAULT_RANGE_REASON else (f" ({reason})" if p.low is not None else "")
        lines.append(f"| `{p.name}` | {p.value:g} | {p.unit} | {_range_text(p)}{mark} | {p.source} | {p.note} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"

