"""Build-time page `config.md`: every scenario key and event field, from the pydantic models.

Run by mkdocs-gen-files during `mkdocs build`; nothing is written into docs/.
The prose at the top is `docs/gen/config_intro.md`. Types, defaults and
ranges are read off the models: pydantic's own constraints (``Field(ge=...)``,
``Literal``) and the validators of ketasim's field types, whose limits live in
the closures of the factories that made them (``_quantity``, ``EventTime``,
``Whole``, ``Number``, ``Choice``, ``Frequency``). A field whose type this
script cannot describe stops the build, so the page never goes silently stale.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import mkdocs_gen_files
from pydantic import BaseModel, BeforeValidator, PlainSerializer
from pydantic.fields import FieldInfo

from ketasim.config import CONFIG_KEY_PARAMETERS, ScenarioConfig
from ketasim.pharmacology.drugs import DRUGS, ROUTES
from ketasim.pharmacology.pk import supported_routes
from ketasim.protocols import fear_events, fields
from ketasim.protocols.events import EVENT_MODELS
from ketasim.protocols.stress_events import DEFAULT_SESSIONS
from ketasim.units import KINDS

INTRO = Path(__file__).with_name("config_intro.md")
SPECIES = get_args(ScenarioConfig.model_fields["species"].annotation)


class Described(typing.NamedTuple):
    kind: str  # what the value is, with its allowed values or range
    unit: str | None = None  # the unit a default is shown in
    scale: float = 1.0  # stored value × scale = value in ``unit``
    serializer: Any = None


def _code(value: Any) -> str:
    return f"`{value}`"


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def _time(hours: float) -> str:
    """A time in the unit it reads best in (the check itself is made in hours)."""
    if hours >= 48 and (hours / 24).is_integer():
        return f"{_number(hours / 24)} d"
    if hours >= 1 or hours == 0:
        return f"{_number(hours)} h"
    if hours * 60 >= 1:
        return f"{_number(round(hours * 60, 9))} min"
    return f"{_number(round(hours * 3600, 9))} s"


def _range(lo: float | None, hi: float | None, show=_number, unit: str = "") -> str:
    unit = f" {unit}" if unit else ""
    if lo is not None and 0 < lo < 1e-6:  # a positive quantity: the minimum only excludes zero
        return f"above 0, at most {show(hi)}{unit}"
    return f"{show(lo)}{unit} to {show(hi)}{unit}"


def _closure(function) -> dict[str, Any]:
    cells = function.__closure__ or ()
    return dict(zip(function.__code__.co_freevars, (c.cell_contents for c in cells), strict=True))


def _from_validator(function, base: Any) -> Described:
    """What a BeforeValidator accepts, from the factory that made it."""
    factory = function.__qualname__.split(".<locals>")[0]
    c = _closure(function)
    if factory == "_quantity":
        kind = KINDS[c["kind"]]
        if c["kind"] == "time" and c["unit"] == "h":
            return Described(f"{kind.name}, {_range(c['minimum'], c['maximum'], _time)}", "h")
        return Described(f"{kind.name}, {_range(c['minimum'], c['maximum'], unit=c['unit'])}", c["unit"])
    if factory == "EventTime":
        if c["unit"] == "h":
            return Described(f"a time, {_range(c['lo'], c['hi'], _time)}", "h")
        return Described(f"a time, {_range(c['lo'], c['hi'], unit=c['unit'])}", c["unit"], c["scale"])
    if factory == "Frequency":
        return Described(f"a frequency, {_range(c['lo'], c['hi'], unit='Hz')}", "Hz")
    if factory == "Whole":
        return Described(f"a whole number, {_range(c['lo'], c['hi'])}")
    if factory == "Number":
        return Described(f"a number, {_range(c['lo'], c['hi'])}")
    if factory == "Choice":
        return Described("one of " + ", ".join(map(_code, c["allowed"])))
    if function is fields._at:
        return Described(f"a time, {_range(0.0, fields.MAX_EVENT_TIME_H, _time)}", "h")
    if function is fear_events._cues:
        return Described("a cue or a list of cues from " + ", ".join(map(_code, fear_events.CUES)))
    if function.__doc__:  # e.g. "1-20 times of 5-1000 ms → sorted, distinct intervals in ms": what it accepts
        return Described(function.__doc__.strip().split(" → ")[0].rstrip("."))
    raise SystemExit(f"docs/gen/config_page.py: cannot describe the validator {function.__qualname__} "
                     f"of a field of type {base}; teach _from_validator about it")


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(base type, metadata, optional) of a field annotation."""
    metadata: list[Any] = []
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata += extra
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            optional = True
            if len(rest) != 1:
                return Union[tuple(rest)], metadata, optional  # noqa: UP007
            annotation = rest[0]
        else:
            break
    flat = []
    for item in metadata:
        flat += item.metadata if isinstance(item, FieldInfo) else [item]
    return annotation, flat, optional


def describe(annotation: Any, metadata: list[Any]) -> Described:
    base, inner, _ = _unwrap(annotation)
    metadata = [*inner, *metadata]
    described = None
    serializer = next((m.func for m in metadata if isinstance(m, PlainSerializer)), None)
    for item in metadata:
        if isinstance(item, BeforeValidator):
            described = _from_validator(item.func, base)
    if described is not None:
        return described._replace(serializer=serializer)
    lo = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None)
    hi = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None)
    bounds = f", {_range(lo, hi)}" if lo is not None and hi is not None else ""
    if get_origin(base) is Literal:
        return Described("one of " + ", ".join(map(_code, get_args(base))))
    if base is int:
        return Described("a whole number" + bounds)
    if base is float:
        return Described("a number" + bounds)
    if base is str:
        return Described("text")
    if isinstance(base, type) and issubclass(base, BaseModel):
        return Described(f"a mapping, see [`{_section_title(base)}`](#{_anchor(base)})")
    if get_origin(base) is list:
        (item,) = get_args(base)
        item_base, _, _ = _unwrap(item)
        if isinstance(item_base, type) and issubclass(item_base, BaseModel):
            return Described(f"a list of mappings, see [`{_section_title(item_base)}`](#{_anchor(item_base)})")
        return Described("a list of events, see [Protocol events](#protocol-events)")
    if get_origin(base) is dict:
        return Described("a mapping of parameter names to values, see [`parameters:`](#parameters)")
    raise SystemExit(f"docs/gen/config_page.py: cannot describe a field of type {base}")


def _default(field: FieldInfo, described: Described) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        return "see its keys"
    if isinstance(value, str):
        return _code(value)
    if isinstance(value, list | dict) and not value:
        return _code("[]" if isinstance(value, list) else "{}")
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return _code("[" + ", ".join(value) + "]")
    if isinstance(value, float) and described.unit == "h":
        return _code(_time(value))
    if isinstance(value, float) and described.unit:
        return _code(f"{_number(round(value * described.scale, 9))} {described.unit}")
    if described.serializer is not None:
        shown = described.serializer(value)
        shown = "[" + ", ".join(shown) + "]" if isinstance(shown, list) else shown
        return _code(re.sub(r"(\d)\.0\b", r"\1", shown))  # "10.0 ms" -> "10 ms"
    if isinstance(value, bool | int | float):
        return _code(_number(value) if isinstance(value, float) else value)
    raise SystemExit(f"docs/gen/config_page.py: cannot show the default {value!r}")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def field_table(model: type[BaseModel], prefix: str = "", skip: tuple[str, ...] = (),
                overrides: dict[str, tuple[str | None, str | None]] | None = None) -> list[str]:
    """A table of the model's fields; ``overrides`` gives (value, default) texts the annotations do not carry."""
    overrides = overrides or {}
    rows = [(name, field) for name, field in model.model_fields.items() if name not in skip]
    with_descriptions = any(field.description for _, field in rows)
    header = "| key | value | default |" + (" description |" if with_descriptions else "")
    lines = [header, "| --- | --- | --- |" + (" --- |" if with_descriptions else "")]
    for name, field in rows:
        described = describe(field.annotation, list(field.metadata))
        kind, default = overrides.get(name, (None, None))
        row = f"| `{prefix}{name}` | {_cell(kind or described.kind)} | {default or _default(field, described)} |"
        if with_descriptions:
            row += f" {_cell(field.description or '')} |"
        lines.append(row)
    return lines


def _doc(model: type) -> str:
    return " ".join((model.__doc__ or "").split())


def _section_title(model: type[BaseModel]) -> str:
    return f"{_anchor(model)}:"


def _anchor(model: type[BaseModel]) -> str:
    for name, field in ScenarioConfig.model_fields.items():
        base, _, _ = _unwrap(field.annotation)
        if base is model or (get_origin(base) is list and _unwrap(get_args(base)[0])[0] is model):
            return name
    raise SystemExit(f"docs/gen/config_page.py: {model.__name__} is no scenario key's model")


def nested_models() -> list[tuple[str, type[BaseModel], str]]:
    """(key, model, prefix) of every mapping-valued scenario key, in field order."""
    found = []
    for name, field in ScenarioConfig.model_fields.items():
        base, _, _ = _unwrap(field.annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            found.append((name, base, f"{name}."))
        elif get_origin(base) is list:
            item, _, _ = _unwrap(get_args(base)[0])
            if isinstance(item, type) and issubclass(item, BaseModel):
                found.append((name, item, f"{name}.N."))
    return found


# What field validators (not the annotations) check, from the data they check against.
KEY_OVERRIDES = {
    "dosing": {
        "drug": ("one of " + ", ".join(map(_code, DRUGS)) + " (see [Drugs and routes](#drugs-and-routes))", None),
        "route": ("one of " + ", ".join(map(_code, ROUTES)) + ", as the drug and species allow", None),
    },
}
EVENT_OVERRIDES = {
    "stress": {"sessions": (None, "by `kind`: " + ", ".join(f"{k} {n}" for k, n in DEFAULT_SESSIONS.items()))},
}


def drug_table() -> list[str]:
    lines = ["| drug | what it is | " + " | ".join(f"routes ({s})" for s in SPECIES) + " |",
             "| --- | --- | " + " | ".join("---" for _ in SPECIES) + " |"]
    for name, drug in DRUGS.items():
        routes = [", ".join(map(_code, supported_routes(name, s))) or "none" for s in SPECIES]
        lines.append(f"| `{name}` | {_cell(drug.description)} | " + " | ".join(routes) + " |")
    return lines


def event_sections() -> list[str]:
    common = fields.Event
    lines = ["## Protocol events {#protocol-events}", "",
             "`protocol:` is a list of timeline events. Each item names its type with `event:` "
             "and its start time with `at:`; the other keys depend on the type.", "",
             "Unknown keys are refused, naming the keys the event takes.", "",
             "| type | what it is |", "| --- | --- |"]
    for name, model in EVENT_MODELS.items():
        lines.append(f"| [`{name}`](#event-{name}) | {_cell(_doc(model))} |")
    lines += ["", "Keys every event has:", "", *field_table(common, "protocol.N.", overrides={
        "event": ("one of the types above", None)}), ""]
    for name, model in EVENT_MODELS.items():
        lines += [f"### `{name}` {{#event-{name}}}", "", _cell(_doc(model)), ""]
        own = model.own_fields()
        if own:
            lines += field_table(model, "", skip=("event", "at"), overrides=EVENT_OVERRIDES.get(name))
        else:
            lines.append("No keys besides `event` and `at`.")
        lines.append("")
    return lines


def render() -> str:
    lines = [INTRO.read_text(encoding="utf-8").rstrip(), "",
             "## Quantities", "", "| kind | canonical unit | examples |", "| --- | --- | --- |"]
    for kind in KINDS.values():
        lines.append(f"| {kind.name} | {kind.canonical} | {_cell(kind.examples)} |")
    lines += ["", "## Scenario keys", "", _doc(ScenarioConfig), "", *field_table(ScenarioConfig), ""]
    for key, model, prefix in nested_models():
        if key == "protocol":
            continue
        lines += [f"## `{key}:` {{#{key}}}", "", _doc(model), "",
                  *field_table(model, prefix, overrides=KEY_OVERRIDES.get(key)), ""]
        if key == "dosing":
            lines += ["### Drugs and routes", "",
                      "Which drug may be given by which route to which species (`bath` is an in-vitro "
                      "concentration and works for every species):", "", *drug_table(), ""]
    lines += ["## `parameters:` {#parameters}", "",
              "A mapping of registered parameter names (`layer.name`) to values with units; see the "
              "introduction above and the [parameter table](parameters.md).", ""]
    for name, config_key in CONFIG_KEY_PARAMETERS.items():
        lines += [f"`{name}` is not taken here: its per-scenario value is the config key `{config_key}`.", ""]
    lines += event_sections()
    return "\n".join(lines)


with mkdocs_gen_files.open("config.md", "w") as page:
    page.write(render())
