"""Files shipped with ketasim: the example configs and the experiment scripts.

In a checkout they are the repository's top-level ``configs/`` and
``experiments/``; an installed wheel carries the same files as package data
(``ketasim/configs``, ``ketasim/experiments``; see ``pyproject.toml``). The
example configs are reachable by name: ``default`` is ``configs/default.yaml``,
``pfc_dose`` is ``configs/sweeps/pfc_dose.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ketasim.config import ConfigError, read_yaml

__all__ = ["Example", "bundled_dir", "config_path", "example_data", "find_example", "list_examples"]

_PACKAGE = Path(__file__).resolve().parent
SWEEP_FOLDER = "sweeps"


def bundled_dir(name: Literal["configs", "experiments"]) -> Path:
    """The directory of shipped files called ``name``: the wheel's package data, else the checkout's.

    Raises
    ------
    FileNotFoundError
        If neither exists (a broken installation).
    """
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ketasim's {name}/ directory is missing from this installation ({_PACKAGE})")


@dataclass(frozen=True)
class Example:
    """An example config shipped with ketasim.

    Attributes
    ----------
    name : str
        What to call it by (the file name without ``.yaml``).
    kind : {"scenario", "sweep"}
        A scenario (``ketasim run``) or a sweep (``ketasim sweep``).
    path : Path
        The YAML file.
    summary : str
        The first line of the file's leading comment.
    """

    name: str
    kind: Literal["scenario", "sweep"]
    path: Path
    summary: str


def _summary(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if text:
            return text
    return ""


def list_examples() -> list[Example]:
    """Every shipped example config, scenarios first, each kind sorted by name."""
    root = bundled_dir("configs")
    found = [Example(p.stem, "scenario", p, _summary(p)) for p in sorted(root.glob("*.yaml"))]
    found += [Example(p.stem, "sweep", p, _summary(p)) for p in sorted((root / SWEEP_FOLDER).glob("*.yaml"))]
    return found


KINDS = ("scenario", "sweep")


def find_example(name: str, kind: Literal["scenario", "sweep"] | None = None, key: str = "example") -> Example:
    """The example called ``name`` (optionally of one kind).

    Raises
    ------
    ConfigError
        Naming ``key`` and the examples there are, if there is no such example.
    """
    if kind is not None and kind not in KINDS:
        raise ConfigError("kind", str(kind), f"allowed: {', '.join(KINDS)}")
    examples = [e for e in list_examples() if kind is None or e.kind == kind]
    for example in examples:
        if example.name == name:
            return example
    what = f"{kind} example" if kind else "example"
    raise ConfigError(key, name, f"no such {what}; allowed: {', '.join(e.name for e in examples)}")


def example_data(name: str, kind: Literal["scenario", "sweep"] | None = None) -> dict[str, Any]:
    """The example config called ``name`` as plain data (a new dict each call, free to edit)."""
    data = read_yaml(find_example(name, kind).path)
    return dict(data) if data else {}


def config_path(text: str | Path, kind: Literal["scenario", "sweep"], key: str = "config") -> Path:
    """A config given on the command line or to the API: a YAML file, or the name of a shipped example.

    A name with a ``.yaml``/``.yml`` suffix or naming an existing file is a path
    (a missing file is reported by the loader, naming it); anything else is
    looked up among the examples of ``kind``. A directory that happens to share
    an example's name (``ketasim sweep pfc_dose --out pfc_dose``) does not hide it.

    Raises
    ------
    ConfigError
        Naming ``key`` and the examples there are, if it is neither.
    """
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return path
    return find_example(str(text), kind, key=key).path
