"""The wheel: every package listed, the experiments and example configs carried as package data.

The installed wheel itself is exercised by ``.ci/check-wheel`` (a fresh virtual
environment, run from an empty directory).
"""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    mapped = set(PYPROJECT["tool"]["setuptools"]["package-dir"])
    assert listed - mapped == set(find_packages(str(ROOT), include=["ketasim*"]))
    for package, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        assert package in listed and (ROOT / folder).is_dir()


def test_shipped_files_are_found_in_the_checkout():
    from ketasim.bundled import bundled_dir, list_examples

    assert bundled_dir("experiments") == ROOT / "experiments"
    assert {e.path for e in list_examples()} == {*ROOT.glob("configs/*.yaml"), *ROOT.glob("configs/sweeps/*.yaml")}
    assert all(e.summary for e in list_examples()), "every example starts with a comment saying what it is"


def test_the_wheel_carries_experiments_and_configs(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True)
    (wheel,) = tmp_path.glob("ketasim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for script in (ROOT / "experiments").glob("E*.py"):
        assert f"ketasim/experiments/{script.name}" in names
    for config in ROOT.glob("configs/**/*.yaml"):
        assert f"ketasim/{config.relative_to(ROOT)}" in names
    assert "ketasim/py.typed" in names
