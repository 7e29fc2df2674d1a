"""ketasim: simulate how ketamine's dose and timing change fear memory.

The Python front door (see :mod:`ketasim.api`)::

    import ketasim
    result = ketasim.simulate("default", quick=True)   # an example config, by name
    result.timeseries                                   # an xarray.Dataset, units as attributes
    result.metrics["pyr_rate_hz"]

``simulate``, ``simulate_many``, ``sweep``, ``window``, ``sensitivity``,
``reproduce``, ``example`` and ``examples`` load on first use, so ``import ketasim`` stays
light and selects no matplotlib backend.

``ketasim.sweep`` and ``ketasim.reproduce`` are also the subpackages that
implement them: calling the package (``ketasim.sweep(spec)``) runs
:func:`ketasim.api.sweep` (:func:`ketasim.api.reproduce`), with that
function's signature. Import from the subpackages by name
(``from ketasim.sweep import load_sweep``).
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ketasim.version import __version__

if TYPE_CHECKING:
    from ketasim.api import (
        Reproduction,
        SimulationResult,
        WindowResult,
        example,
        examples,
        reproduce,
        sensitivity,
        simulate,
        simulate_many,
        sweep,
        window,
    )
    from ketasim.config import ConfigError

__all__ = [
    "ConfigError",
    "Reproduction",
    "SimulationResult",
    "WindowResult",
    "__version__",
    "example",
    "examples",
    "reproduce",
    "sensitivity",
    "simulate",
    "simulate_many",
    "sweep",
    "window",
]

CALLABLE_SUBPACKAGES = ("sweep", "reproduce")  # subpackages that share their name with an API function


class CallableSubpackage(ModuleType):
    """A subpackage that, called, runs the API function of the same name (``ketasim.sweep(...)``)."""

    def _function(self) -> Any:
        from ketasim import api

        return getattr(api, self.__name__.rpartition(".")[2])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function()(*args, **kwargs)

    @property
    def __signature__(self) -> Any:  # inspect.signature, IPython's "?" and IDEs show the function's
        import inspect

        return inspect.signature(self._function())


class _Package(ModuleType):
    """The ``ketasim`` module: the import system sets a subpackage as an attribute on first import;
    the two that share a name with an API function become callable then, whoever imports them first."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in CALLABLE_SUBPACKAGES and type(value) is ModuleType:
            value.__class__ = CallableSubpackage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name == "ConfigError":
        from ketasim.config import ConfigError

        return ConfigError
    if name in CALLABLE_SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")  # its import makes it callable (see _Package)
    if name in __all__:
        from ketasim import api

        return getattr(api, name)
    raise AttributeError(f"module 'ketasim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
