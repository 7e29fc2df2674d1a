"""Build-time page `cli.md`: every `ketasim` subcommand, from the argparse parser itself.

Run by mkdocs-gen-files during `mkdocs build`; nothing is written into docs/.
"""

from __future__ import annotations

import argparse
import html
import os

import mkdocs_gen_files

os.environ["COLUMNS"] = "100"  # argparse wraps usage lines to the terminal width: fix it

from ketasim.cli import _build_parser  # noqa: E402  (the parser the command runs)

FIXED_HEADER = """# Command line

`ketasim` is installed with the package (`.venv/bin/ketasim` after `make demo`).
This page is generated from the command's own argument parser when the site
is built, so it lists exactly the options the installed command accepts.

Bad input (a bad config, `--set`, unknown key, value out of range, wrong
unit) stops with one line on stderr naming the file or `--set`, the key and
what is allowed, exit status 2, and nothing written. The config keys are in
the [config reference](config.md); sweeps and the window statistics are
described in [Sweeps and dose windows](sweeps.md).
"""


def _subcommands(parser: argparse.ArgumentParser) -> tuple[argparse._SubParsersAction, dict[str, str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {choice.dest: choice.help or "" for choice in action._choices_actions}
            return action, summaries
    raise SystemExit("docs/gen/cli_page.py: the ketasim parser has no subcommands")


def _cell(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _sentence(text: str) -> str:
    text = _cell(text)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _argument(formatter: argparse.HelpFormatter, action: argparse.Action) -> str:
    return f"`{formatter._format_action_invocation(action)}`"  # as `ketasim CMD --help` shows it


def _default(action: argparse.Action) -> str:
    if action.nargs == 0 or action.default in (None, [], argparse.SUPPRESS) or action.required:
        return ""
    return f"`{action.default}`"


def _notes(action: argparse.Action) -> str:
    notes = []
    if action.required and action.option_strings:
        notes.append("required")
    if isinstance(action, argparse._AppendAction | argparse._ExtendAction):
        notes.append("repeatable")
    if action.choices is not None:
        notes.append("one of " + ", ".join(f"`{c}`" for c in action.choices))
    return "; ".join(notes)


def _options_table(parser: argparse.ArgumentParser) -> list[str]:
    formatter = parser._get_formatter()
    rows = ["| argument | help | default | notes |", "| --- | --- | --- | --- |"]
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue  # hidden developer hooks; the subcommands have sections of their own
        if isinstance(action, argparse._HelpAction) and parser.prog != "ketasim":
            continue  # every subcommand takes -h
        help_text = formatter._expand_help(action) if action.help else ""
        rows.append(f"| {_argument(formatter, action)} | {_cell(help_text)} | {_default(action)} | {_notes(action)} |")
    return rows


def _usage(parser: argparse.ArgumentParser) -> str:
    """The usage lines without their ``usage: `` prefix (continuation lines dedented to match)."""
    prefix = "usage: "
    first, *rest = parser.format_usage().rstrip().splitlines()
    return "\n".join([first.removeprefix(prefix), *(line[len(prefix):] for line in rest)])


def render() -> str:
    parser = _build_parser()
    subparsers, summaries = _subcommands(parser)
    lines = [FIXED_HEADER, "## Overview", "", "```text", parser.format_usage().rstrip(), "```", "",
             "| command | does |", "| --- | --- |"]
    for name in subparsers.choices:
        lines.append(f"| [`ketasim {name}`](#ketasim-{name}) | {_cell(summaries.get(name, ''))} |")
    lines.append("")
    lines += ["Global options:", "", *_options_table(parser), ""]
    for name, sub in subparsers.choices.items():
        lines += [f"## ketasim {name}", "", _sentence(summaries.get(name, "")), "",
                  "```text", _usage(sub), "```", "",
                  *_options_table(sub), ""]
    return "\n".join(lines)


with mkdocs_gen_files.open("cli.md", "w") as page:
    page.write(render())
