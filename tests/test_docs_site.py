"""The documentation site's sources: the nav covers every page, and the generated pages cover the code.

`make docs` builds the site in strict mode; these checks need no MkDocs: the
page scripts in `docs/gen/` run against a stand-in for mkdocs-gen-files that
keeps what they write in memory.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import runpy
import sys
import types
from pathlib import Path

import yaml

from ketasim.cli import _build_parser
from ketasim.config import ScenarioConfig
from ketasim.protocols.events import EVENT_MODELS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCRIPTS = {"cli": DOCS / "gen" / "cli_page.py", "config": DOCS / "gen" / "config_page.py",
           "report": DOCS / "gen" / "report_page.py"}


def _run_page_script(script: Path, monkeypatch) -> dict[str, str | bytes]:
    """Run one gen-files script; returns {path in the site: content}."""
    written: dict[str, str | bytes] = {}

    @contextlib.contextmanager
    def open_virtual(name: str, mode: str = "r", **_):
        buffer = io.BytesIO() if "b" in mode else io.StringIO()
        yield buffer
        written[name] = buffer.getvalue()

    stand_in = types.ModuleType("mkdocs_gen_files")
    stand_in.open = open_virtual
    monkeypatch.setitem(sys.modules, "mkdocs_gen_files", stand_in)
    monkeypatch.setenv("COLUMNS", "100")
    runpy.run_path(str(script))
    return written


def _nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_the_nav_lists_every_page_and_every_listed_page_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    excluded = [line.strip().strip("/") for line in config["exclude_docs"].splitlines() if line.strip()]
    generated = set()
    for script in SCRIPTS.values():
        generated |= set(re.findall(r'mkdocs_gen_files\.open\("([^"]+\.md)"', script.read_text(encoding="utf-8")))
    on_disk = {p.relative_to(DOCS).as_posix() for p in [*DOCS.rglob("*.md"), *DOCS.glob("tutorials/*.py")]}
    on_disk = {p for p in on_disk if not any(p == e or p.startswith(e + "/") for e in excluded)}
    nav = _nav_pages(config["nav"])
    assert sorted(on_disk - set(nav)) == []
    assert sorted(set(nav) - on_disk - generated) == []


def test_the_cli_page_lists_every_subcommand_and_option(monkeypatch):
    page = _run_page_script(SCRIPTS["cli"], monkeypatch)["cli.md"]
    commands = next(a for a in _build_parser()._actions if a.dest == "command")
    for name, sub in commands.choices.items():
        assert f"## ketasim {name}\n" in page
        for action in sub._actions:
            for option in action.option_strings:
                if action.help != argparse.SUPPRESS and option not in ("-h", "--help"):
                    assert f"`{option}" in page, (name, option)


def test_the_config_page_describes_every_key_and_event(monkeypatch):
    page = _run_page_script(SCRIPTS["config"], monkeypatch)["config.md"]
    for key in ScenarioConfig.model_fields:
        assert f"| `{key}` |" in page
    for name, model in EVENT_MODELS.items():
        assert f"### `{name}` {{#event-{name}}}" in page
        for field in model.own_fields():
            assert f"| `{field}` |" in page, (name, field)


def test_the_report_page_carries_the_report_and_every_figure(monkeypatch):
    written = _run_page_script(SCRIPTS["report"], monkeypatch)
    assert written["report/index.md"].startswith("# ketasim reproduction report")
    figures = sorted((ROOT / "figures").glob("*.png"))
    assert figures
    for figure in figures:
        assert written[f"report/{figure.name}"] == figure.read_bytes()
