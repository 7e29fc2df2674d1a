"""Scenario configs: YAML with unit strings, validated into typed objects.

A config is data: it is read with ``yaml.safe_load``, checked against the
pydantic models below, and every quantity string is converted to a float in
a documented canonical unit (hours, mg/kg, µM). Every problem is reported as
a :class:`ConfigError` naming the file (or ``--set``), the dotted key, and
what is allowed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

# The layers' modules that register parameters: once this module is loaded the registry is
# complete, so ``parameters:`` overrides can be checked against every registered name.
from ketasim.circuit import bla as _bla  # noqa: F401
from ketasim.circuit import lhb as _lhb  # noqa: F401
from ketasim.circuit import pfc as _pfc  # noqa: F401
from ketasim.messages import describe, one_line
from ketasim.parameters import ParameterError, ParameterSet, lookup, parse_overrides
from ketasim.pharmacology import inhibitors as _inhibitors  # noqa: F401
from ketasim.pharmacology import pd as _pd  # noqa: F401
from ketasim.pharmacology.drugs import DRUGS, ROUTES
from ketasim.pharmacology.pk import supported_routes
from ketasim.plasticity import params as _plasticity_params  # noqa: F401
from ketasim.protocols import clinical as _clinical  # noqa: F401
from ketasim.protocols import forced_swim as _forced_swim  # noqa: F401
from ketasim.protocols import memory as _memory  # noqa: F401
from ketasim.protocols.events import EVENT_MODELS, ProtocolEvent
from ketasim.protocols.fields import EventFieldError
from ketasim.signalling import parameters as _signalling_parameters  # noqa: F401
from ketasim.signalling import stress as _stress  # noqa: F401
from ketasim.units import UnitError, parse_quantity

__all__ = [
    "ConfigError",
    "DoseConfig",
    "Mechanisms",
    "ScenarioConfig",
    "apply_override",
    "load_scenario",
    "parameters_as_data",
    "scenario_from_data",
    "validate_scenario",
]

MAX_DOSE_MG_PER_KG = 500.0  # above the i.p. LD50 in mice; anything larger is a typo
MAX_CONCENTRATION_UM = 100_000.0
MAX_DURATION_H = 400 * 24.0
MAX_SEED = 2**31 - 1


class ConfigError(ValueError):
    """A config problem, reported as one line: ``source: key: message``."""

    def __init__(self, source: str, key: str, message: str):
        self.source, self.key, self.message = source, key, message
        where = f"{source}: {key}" if key else source
        super().__init__(one_line(f"{where}: {message}"))  # keys and sources may hold line breaks


def _quantity(kind: str, minimum: float | None = None, maximum: float | None = None, unit: str = "") -> BeforeValidator:
    """The validator of a float field parsed from a unit string and range-checked."""

    def parse(value: Any) -> float:
        try:
            magnitude = parse_quantity(value, kind)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        if minimum is not None and magnitude < minimum:
            raise ValueError(f"{value!r} is below the allowed minimum {minimum:g} {unit}")
        if maximum is not None and magnitude > maximum:
            raise ValueError(f"{value!r} is above the allowed maximum {maximum:g} {unit}")
        return magnitude

    return BeforeValidator(parse)


def _with_unit(unit: str) -> PlainSerializer:
    """The serializer writing such a field back as ``"<repr> <unit>"``."""
    return PlainSerializer(lambda x: f"{x!r} {unit}")


TimeH = Annotated[float, _quantity("time", 0.0, MAX_DURATION_H, "h"), _with_unit("h")]
PositiveTimeH = Annotated[float, _quantity("time", 1e-9, MAX_DURATION_H, "h"), _with_unit("h")]
DoseMgKg = Annotated[float, _quantity("dose", 0.0, MAX_DOSE_MG_PER_KG, "mg/kg"), _with_unit("mg/kg")]
ConcentrationUM = Annotated[float, _quantity("concentration", 0.0, MAX_CONCENTRATION_UM, "uM"), _with_unit("uM")]
CircuitTimeH = Annotated[float, _quantity("time", 0.05 / 3600, 120.0 / 3600, "h"), _with_unit("h")]


# Registered parameters whose per-scenario value is a config key of its own (the registry holds its default).
CONFIG_KEY_PARAMETERS = {"circuit.bla.cs_overlap": "fear.cs_overlap"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class Subject(_Strict):
    """The simulated subject."""

    bdnf_genotype: Literal["val/val", "val/met", "met/met"] = "val/val"
    # Starting condition (ketasim.protocols.clinical): chronic_ptsd = lowered PFC/hippocampal
    # synaptic strength and a consolidated, generalised trauma memory; human subjects only.
    condition: Literal["healthy", "chronic_ptsd"] = "healthy"


MechanismScale = Annotated[float, Field(ge=0.0, le=10.0, strict=True, allow_inf_nan=False)]


def parameters_as_data(overrides: Mapping[str, float]) -> dict[str, Any]:
    """Parameter overrides (values in registered units) as a config's ``parameters:`` (unit strings)."""
    return {k: f"{v!r} {lookup(k).unit}" if lookup(k).unit != "1" else v for k, v in overrides.items()}


class Mechanisms(_Strict):
    """Mechanism switches: 1 = intact, 0 = blocked/knocked out, > 1 = enhanced."""

    ampa: MechanismScale = 1.0
    bdnf: MechanismScale = 1.0
    mtor: MechanismScale = 1.0
    eef2k: MechanismScale = 1.0
    glun2b: MechanismScale = 1.0
    glun2d: MechanismScale = 1.0
    cckbr: MechanismScale = 1.0
    cck: MechanismScale = 1.0
    mglur2: MechanismScale = 1.0
    mglur5: MechanismScale = 1.0
    il_trkb: MechanismScale = 1.0


class DoseConfig(_Strict):
    """One administration (or a repeated series) of a drug.

    ``dose`` (mg/kg) for systemic routes, ``concentration`` (µM) for ``bath``;
    ``duration`` is the infusion time for ``iv_infusion`` and the wash-in time
    for ``bath`` (default: to the end). ``repeat``/``every`` give a series,
    e.g. daily dosing for 28 days.
    """

    drug: str
    route: str
    at: TimeH = 0.0
    dose: DoseMgKg | None = None
    concentration: ConcentrationUM | None = None
    duration: PositiveTimeH | None = None
    repeat: Annotated[int, Field(ge=1, le=1000, strict=True)] = 1
    every: PositiveTimeH | None = None

    @field_validator("drug")
    @classmethod
    def _known_drug(cls, value: str) -> str:
        if value not in DRUGS:
            raise ValueError(f"unknown drug {value!r}; allowed: {', '.join(DRUGS)}")
        return value

    @field_validator("route")
    @classmethod
    def _known_route(cls, value: str) -> str:
        if value not in ROUTES:
            raise ValueError(f"unknown route {value!r}; allowed: {', '.join(ROUTES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DoseConfig:
        drug = DRUGS[self.drug]
        if self.route not in drug.routes:
            raise _KeyedError("route", f"{self.drug} cannot be given by {self.route!r}; allowed: {', '.join(drug.routes)}")
        if self.route == "bath":
            if self.concentration is None:
                raise _KeyedError("concentration", "a bath drug needs a concentration, e.g. '10 uM'")
            if self.dose is not None:
                raise _KeyedError("dose", "a bath drug takes a concentration, not a dose")
        else:
            if self.dose is None:
                raise _KeyedError("dose", "a systemic dose needs a dose per body mass, e.g. '10 mg/kg'")
            if self.concentration is not None:
                raise _KeyedError("concentration", "only route 'bath' takes a concentration")
        if self.route == "iv_infusion" and self.duration is None:
            raise _KeyedError("duration", "an iv_infusion needs a duration, e.g. '40 min'")
        if self.duration is not None and self.route not in ("iv_infusion", "bath"):
            raise _KeyedError("duration", "only iv_infusion and bath take a duration")
        if self.repeat > 1 and self.every is None:
            raise _KeyedError("every", "a repeated dose needs an interval, e.g. '24 h'")
        if self.every is not None and self.duration is not None and self.every < self.duration:
            raise _KeyedError("every", "the interval must not be shorter than the infusion duration")
        return self

    def times_h(self) -> list[float]:
        """Start times (h) of every administration in the series."""
        return [self.at + i * (self.every or 0.0) for i in range(self.repeat)]

    def end_h(self) -> float:
        """When the last administration of the series ends (h)."""
        return self.times_h()[-1] + (self.duration or 0.0)


class CircuitSettings(_Strict):
    """Size and sampling of the PFC circuit (defaults: 400 E, 100 I, 2 s per moment)."""

    n_exc: Annotated[int, Field(ge=20, le=20_000, strict=True)] = 400
    n_inh: Annotated[int, Field(ge=5, le=5_000, strict=True)] = 100
    sample_duration: CircuitTimeH = "2 s"  # type: ignore[assignment]


class FearSettings(_Strict):
    """The BLA fear circuit: ``cs_overlap`` is the fraction of CS afferent fibres that CS+ and CS− share (0–1);
    ``principal_cells`` its fear plus extinction neurons (at least 120; by default the profile's: 120 with
    ``--quick``, 240 otherwise). Every size is the same model: in-degrees stay fixed (docs/bla-size.md)."""

    cs_overlap: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.55
    principal_cells: Annotated[int, Field(ge=120, le=20_000, strict=True)] | None = None


class ScenarioConfig(_Strict):
    """A whole scenario: subject, doses, mechanisms and timeline."""

    species: Literal["mouse", "rat", "human"] = "mouse"
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, strict=True)] = 0
    duration: PositiveTimeH | None = None
    subject: Subject = Subject()
    dosing: list[DoseConfig] = []
    mechanisms: Mechanisms = Mechanisms()
    protocol: list[ProtocolEvent] = []
    circuit: CircuitSettings = CircuitSettings()
    fear: FearSettings = FearSettings()
    # Registered model parameters overridden for this scenario: ``layer.name`` -> value in the
    # parameter's registered unit (read from unit strings; see docs/parameters.md for names and ranges).
    parameters: dict[str, float] = {}

    @field_validator("parameters", mode="before")
    @classmethod
    def _known_parameters(cls, value: Any) -> dict[str, float]:
        try:
            overrides = parse_overrides(value)
            ParameterSet(overrides)  # names and declared ranges
        except ParameterError as exc:
            key = exc.key if exc.key == "parameters" else f"parameters.{exc.key}"
            raise _KeyedError(key, exc.message) from None
        for name, config_key in CONFIG_KEY_PARAMETERS.items():
            if name in overrides:
                raise _KeyedError(f"parameters.{name}", f"set by the config key {config_key}; give it there")
        return overrides

    @model_validator(mode="after")
    def _routes_for_species(self) -> ScenarioConfig:
        for index, dose in enumerate(self.dosing):
            allowed = supported_routes(dose.drug, self.species)
            if dose.route not in allowed:
                raise _KeyedError(
                    f"dosing.{index}.route",
                    f"{dose.drug} by {dose.route!r} has no model for species {self.species!r}; "
                    f"allowed: {', '.join(allowed) or 'none'}",
                )
        if self.subject.condition != "healthy" and self.species != "human":
            raise _KeyedError("subject.condition", f"{self.subject.condition!r} is a clinical start state "
                              f"for species 'human' only; allowed for {self.species!r}: 'healthy'")
        if self.duration is not None and self.duration < self.last_event_h():
            raise _KeyedError("duration", f"must cover the last event at {self.last_event_h():g} h")
        return self

    def last_event_h(self) -> float:
        """End of the last dose or protocol event (h)."""
        ends = [d.end_h() for d in self.dosing] + [e.end_h() for e in self.protocol]
        return max(ends, default=0.0)

    def span_h(self) -> float:
        """Simulated span (h): ``duration``, else last event + 24 h, else 7 d."""
        if self.duration is not None:
            return self.duration
        if self.dosing or self.protocol:
            return self.last_event_h() + 24.0
        return 7 * 24.0

    def as_data(self) -> dict[str, Any]:
        """:meth:`resolved`, but an unset ``duration`` stays unset: data to override and validate again,
        whose span still follows the (possibly moved) last event."""
        data = self.resolved()
        if self.duration is None:
            del data["duration"]
        return data

    def resolved(self) -> dict[str, Any]:
        """The config with defaults filled in and canonical unit strings (for YAML)."""
        data = self.model_dump(mode="json")
        data["duration"] = f"{self.span_h()!r} h"
        if self.parameters:
            data["parameters"] = parameters_as_data(self.parameters)
        else:
            del data["parameters"]
        for dose in data["dosing"]:
            for key in [k for k, v in dose.items() if v is None]:
                del dose[key]
        return data


class _KeyedError(ValueError):
    """A validation error that names the sub-key it is about."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


# ------------------------------------------------------------------ loading
def _format_error(exc: ValidationError, source: str) -> ConfigError:
    error = exc.errors(include_url=False)[0]
    loc = [str(p) for p in error["loc"]]
    message = error["msg"]
    ctx = error.get("ctx") or {}
    original = ctx.get("error")
    if len(loc) > 2 and loc[0] == "protocol" and loc[2] in EVENT_MODELS:
        del loc[2]  # the discriminated union's tag: protocol.N.<event type>.field
    if isinstance(original, EventFieldError):  # names a field of the event (or an unknown key, dots and all)
        return ConfigError(source, ".".join([*loc, original.field]), original.message)
    if isinstance(original, _KeyedError):
        loc = loc + original.key.split(".") if "." not in original.key else original.key.split(".")
        message = original.message
    elif error["type"] == "extra_forbidden":
        parent = loc[:-1]
        message = f"unknown key; allowed: {', '.join(_allowed_keys(parent))}"
    elif error["type"] == "missing":
        message = "required key is missing"
    elif message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if error["type"] in ("int_type", "float_type", "int_parsing", "float_parsing", "greater_than_equal",
                         "less_than_equal", "literal_error") and "input" in error:
        message = f"{message} (got {describe(error['input'])})"
    return ConfigError(source, ".".join(loc), message)


def _allowed_keys(parent: list[str]) -> list[str]:
    model: Any = ScenarioConfig
    for part in parent:
        if part.isdigit():
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)


def validate_scenario(data: Any, source: str = "<config>") -> ScenarioConfig:
    """Validate a parsed config mapping.

    Raises
    ------
    ConfigError
        Naming the first offending key and what is allowed.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(source, "", f"a config must be a mapping of keys to values, got {type(data).__name__}")
    try:
        return ScenarioConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise _format_error(exc, source) from None


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file safely, turning every failure into a ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "", "file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the name
        raise ConfigError(str(path), "", f"cannot read the file ({exc.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(str(path), "", f"not valid YAML{where}: {problem}") from None
    except Exception as exc:  # PyYAML's constructors raise more than YAMLError (too long an int, a bad !!timestamp)
        raise ConfigError(str(path), "", f"not valid YAML: {_yaml_problem(exc)}") from None
    _check_tree(data, str(path), "")
    return data


MAX_NESTING = 50
MAX_VALUES = 100_000


def _yaml_problem(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, ValueError):  # e.g. an int of 5000 digits, a 13th month
        return f"cannot read a value ({str(exc).split(';')[0]})"
    return "cannot read a value"


def _check_tree(data: Any, source: str, key: str) -> None:
    """Refuse data nested deeper than MAX_NESTING or holding more than MAX_VALUES values.

    YAML aliases can make a short file a cyclic or exponentially large tree
    (``a: &x [*x]``); no config is like that, and checking takes bounded time.
    """
    stack, count = [(data, 0)], 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_NESTING:
            raise ConfigError(source, key, f"nested deeper than {MAX_NESTING} levels (or a YAML alias refers to itself)")
        if count > MAX_VALUES:
            raise ConfigError(source, key, f"holds more than {MAX_VALUES} values (YAML aliases repeating a tree?)")
        if isinstance(node, Mapping):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            stack.extend((value, depth + 1) for value in node)


def _index(part: str) -> int | None:
    """A list index written in a dotted key (ASCII digits), else None."""
    if not (part.isascii() and part.isdigit()):
        return None
    return int(part) if len(part) <= 18 else 10**18


def apply_override(data: Any, assignment: str) -> Any:
    """Apply one ``--set KEY=VALUE`` to a parsed config (returns a new object).

    ``KEY`` is dotted, list items by index (``dosing.0.dose``); ``VALUE`` is
    read as YAML (``15 mg/kg`` stays a string, ``3`` becomes a number).
    """
    source = f"--set {assignment}"
    if "=" not in assignment:
        raise ConfigError("--set", assignment, "expected KEY=VALUE, e.g. dosing.0.dose='15 mg/kg'")
    key, raw = assignment.split("=", 1)
    key = key.strip()
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise ConfigError("--set", key or "(empty)", "the key must be dotted names, e.g. dosing.0.dose")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except Exception:  # YAMLError, and whatever else PyYAML's constructors raise
        raise ConfigError("--set", key, f"cannot read the value {describe(raw)}") from None
    _check_tree(value, "--set", key)
    if value is None:
        raise ConfigError("--set", key, "needs a value, e.g. --set seed=3")
    data = copy.deepcopy(data) if data is not None else {}
    node = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {} if _index(parts[depth + 1]) is None else [])
        elif isinstance(node, list):
            index = _index(part)
            if index is None:
                raise ConfigError(source, here, "a list item needs a numeric index, e.g. dosing.0")
            if index > len(node):
                raise ConfigError(source, here, f"index out of range; the list has {len(node)} items (append with index {len(node)})")
            if index == len(node):
                node.append({} if not last else value)
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            parent = ".".join(parts[:depth]) or key
            raise ConfigError(source, here, f"{parent} holds a single value, not keys")
    return data


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> ScenarioConfig:
    """Read, override and validate a scenario file."""
    return scenario_from_data(read_yaml(path), str(path), overrides)


def scenario_from_data(data: Any, source: str = "<config>", overrides: Iterable[str] = (),
                       blame: str = "--set") -> ScenarioConfig:
    """Override (``KEY=VALUE`` assignments, as ``--set`` takes them) and validate parsed config data.

    ``data`` is not changed. An error caused by an override names that override, after ``blame``
    (how the caller calls overrides: ``--set`` on the command line).
    """
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError(source, "", f"a config must be a mapping of keys to values, got {type(data).__name__}")
    overrides = list(overrides)
    for assignment in overrides:
        data = apply_override(data, assignment)
    try:
        return validate_scenario(data, source)
    except ConfigError as exc:
        # Blame the --set that wrote the offending key, if one did.
        for assignment in reversed(overrides):
            key = assignment.split("=", 1)[0].strip()
            if exc.key == key or exc.key.startswith(key + ".") or key.startswith(exc.key + "."):
                raise ConfigError(f"{blame} {assignment}", exc.key, exc.message) from None
        raise
