"""The package's structure rules that no linter setting expresses directly.

The layer contract itself (imports only downward) is import-linter's, in
``pyproject.toml`` and ``make lint``; these tests keep the rest: no private
name crosses a module boundary, process settings and the figure backend have
one home each, warnings go through :mod:`warnings`, and importing the config
module registers every model parameter.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ketasim"
SOURCES = sorted(PACKAGE.rglob("*.py"))
SCRIPTS = sorted((ROOT / "experiments").glob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private_imports(path: Path) -> list[str]:
    """``from ketasim.x import _name`` and ``alias._name`` on an imported ketasim module, outside that module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path) if path.is_relative_to(PACKAGE) else ""
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ketasim"):
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and node.module != here:
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                if not private:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ketasim") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{path.name}:{node.lineno} uses {modules[node.value.id]}.{node.attr}")
    return found


def test_the_private_name_rule_catches_both_forms(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ketasim.circuit.pfc import _configure_brian\nfrom ketasim.sweep import runner as r\n"
                   "r._hidden()\n", encoding="utf-8")
    assert len(private_imports(bad)) == 2


def test_no_module_uses_another_modules_private_names():
    offenders = [hit for path in SOURCES + SCRIPTS for hit in private_imports(path)]
    assert offenders == []


def _calls(path: Path, dotted: str) -> list[int]:
    owner, _, attr = dotted.rpartition(".")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr
            and isinstance(node.func.value, ast.Name) and node.func.value.id == owner]


def test_the_figure_backend_is_chosen_only_by_the_command_line():
    offenders = [f"{p.name}:{line}" for p in SOURCES if p.name != "cli.py" for line in _calls(p, "matplotlib.use")]
    assert offenders == []


def test_ketasim_environment_variables_are_read_only_by_settings():
    offenders = []
    for path in SOURCES:
        if path.name == "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("KETASIM_"):
                offenders.append(f"{path.name}:{node.lineno} {node.value}")
    assert offenders == []


def test_warnings_are_not_printed():
    """Only the command line prints; a library warns through :mod:`warnings` (which the CLI formats)."""
    offenders = [f"{p.name}:{node.lineno}" for p in SOURCES if p.name != "cli.py"
                 for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"]
    assert offenders == []


def test_importing_the_config_registers_every_parameter():
    """Overrides are checked against the registry: it must be complete once a config can be validated."""
    import ketasim.config  # noqa: F401
    from ketasim.parameters import registry

    before = {p.key for p in registry()}
    for module in pkgutil.walk_packages(ketasim.__path__, "ketasim."):
        importlib.import_module(module.name)
    assert {p.key for p in registry()} == before
