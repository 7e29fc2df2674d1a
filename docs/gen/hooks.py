"""MkDocs hooks of the ketasim site: the tutorials run in a scratch directory with this Python.

mkdocs-jupyter executes each tutorial (`docs/tutorials/*.py`) in a kernel
started in the current working directory. These hooks make that a fresh
temporary directory, removed after the page is rendered, so whatever a
tutorial writes (a run's outputs, a sweep store) never lands in `docs/` or
the checkout. They also check that the `python3` kernel is the Python that
runs mkdocs (the venv with ketasim installed), not another one registered
for this user. After the build, the API reference must list every name of
``ketasim.api.__all__``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from mkdocs.exceptions import PluginError

TUTORIALS = "tutorials/"
_state: dict[str, str] = {}


def _is_tutorial(page) -> bool:
    return page.file.src_uri.startswith(TUTORIALS) and page.file.src_uri.endswith(".py")


def on_config(config):
    from jupyter_client.kernelspec import KernelSpecManager

    name = config["plugins"]["mkdocs-jupyter"].config["kernel_name"] or "python3"
    spec = KernelSpecManager().get_kernel_spec(name)
    executable = spec.argv[0]
    # jupyter_client runs a kernel whose command is "python"/"python3" with sys.executable.
    if executable not in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}") and \
            os.path.realpath(executable) != os.path.realpath(sys.executable):
        raise PluginError(f"the Jupyter kernel {name!r} ({spec.resource_dir}) runs {executable}, not this "
                          f"Python ({sys.executable}); the tutorials must run with the ketasim docs venv")
    return config


def on_pre_page(page, config, files):
    if _is_tutorial(page):
        _state["cwd"] = os.getcwd()
        _state["scratch"] = tempfile.mkdtemp(prefix="ketasim-tutorial-")
        os.chdir(_state["scratch"])
    return page


def _restore() -> None:
    if "cwd" in _state:
        os.chdir(_state.pop("cwd"))
    if "scratch" in _state:
        shutil.rmtree(_state.pop("scratch"), ignore_errors=True)


def on_page_content(html, page, config, files):
    if _is_tutorial(page):
        _restore()
    return html


def on_build_error(error):
    _restore()


API_PAGE = "reference/api/index.html"


def on_post_build(config):
    """The API reference must list every public function and class of ``ketasim.api`` (its ``__all__``)."""
    from pathlib import Path

    import ketasim.api

    page = Path(config["site_dir"]) / API_PAGE
    text = page.read_text(encoding="utf-8")
    missing = [name for name in ketasim.api.__all__ if f'id="ketasim.api.{name}"' not in text]
    if missing:
        raise PluginError(f"{API_PAGE} lacks {', '.join(missing)} of ketasim.api.__all__ (a docstring missing?)")
