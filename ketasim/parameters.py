"""A registry of every model parameter with its unit and source.

Each layer declares its constants through :func:`param`, which records the
value, unit and source (paper and table/figure) or the effect it was fitted
to. ``docs/parameters.md`` is rendered from this registry
(``python -m ketasim.parameters > docs/parameters.md``) and a test checks that
the committed table is current, so no parameter can enter the model without a
source.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

__all__ = ["Parameter", "param", "registry", "render_table"]


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
        Value in ``unit``.
    unit : str
        Unit of ``value`` ("1" for dimensionless).
    source : str
        Paper and table/figure, or ``"fitted: <to which effect>"``.
    note : str
        Why this value, or where the literature disagrees.
    """

    layer: str
    name: str
    value: float
    unit: str
    source: str
    note: str = ""

    @property
    def fitted(self) -> bool:
        return self.source.lower().startswith("fitted")


_REGISTRY: dict[tuple[str, str], Parameter] = {}


def param(layer: str, name: str, value: float, unit: str, source: str, note: str = "") -> float:
    """Register a parameter and return its value.

    Raises
    ------
    ValueError
        If the source is empty or the name is registered twice with another value.
    """
    if not source.strip():
        raise ValueError(f"parameter {layer}.{name} has no source")
    entry = Parameter(layer, name, float(value), unit, source, note)
    key = (layer, name)
    if key in _REGISTRY and _REGISTRY[key] != entry:
        raise ValueError(f"parameter {layer}.{name} registered twice with different values")
    _REGISTRY[key] = entry
    return float(value)


def registry() -> list[Parameter]:
    """All registered parameters, importing every module of the package first."""
    import importlib
    import pkgutil

    import ketasim

    for module in pkgutil.walk_packages(ketasim.__path__, "ketasim."):
        if module.name not in ("ketasim.cli", "ketasim.parameters"):
            importlib.import_module(module.name)
    return sorted(_REGISTRY.values(), key=lambda p: (p.layer, p.name))


def render_table() -> str:
    """The Markdown parameter table (``docs/parameters.md``)."""
    lines = [
        "# Parameter table",
        "",
        "Generated from the parameter registry (`python -m ketasim.parameters > docs/parameters.md`);",
        "a test fails when this file is out of date. *fitted* marks a value calibrated to an",
        "effect rather than taken from a measurement; the source column says to what.",
        "",
    ]
    current = None
    for p in registry():
        if p.layer != current:
            current = p.layer
            lines += ["", f"## {current}", "", "| name | value | unit | source | note |", "| --- | --- | --- | --- | --- |"]
        lines.append(f"| `{p.name}` | {p.value:g} | {p.unit} | {p.source} | {p.note} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


if __name__ == "__main__":
    # Under ``python -m`` this file is __main__; the layers register into the
    # importable ketasim.parameters, so render from that one.
    from ketasim.parameters import render_table as _render

    sys.stdout.write(_render())
