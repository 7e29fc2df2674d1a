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


def test_the_wheel_carries_the_package_experiments_and_configs_and_nothing_else(tmp_path):
    import shutil
    import subprocess
    import sys

    # From a copy of the checkout's files, as .ci/check-wheel builds it (no stale build/ directory).
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    source = tmp_path / "src"
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True)
    (wheel,) = tmp_path.glob("ketasim-*.whl")
    names = {n for n in zipfile.ZipFile(wheel).namelist() if not n.startswith("ketasim-")}  # not dist-info
    expected = {f"ketasim/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "experiments").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}  # the scripts and the data they read
    expected |= {f"ketasim/{p.relative_to(ROOT)}" for p in ROOT.glob("configs/**/*.yaml")}
    expected |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "ketasim").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    assert names == expected
