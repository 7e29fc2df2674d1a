"""Documents point only at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "CONTRIBUTING.md",
             *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "experiments").glob("*.md")),
             *sorted((ROOT / "benchmarks").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+\.[\w]+/?|[^)#\s]+/)(?:#[^)]*)?\)")  # a file (with a suffix) or a folder/
REPO_PATH = re.compile(r"`((?:ketasim|docs|configs|experiments|tests|benchmarks|figures)/[\w./-]*)`")


def _targets(path: Path) -> list[tuple[str, Path]]:
    text = path.read_text(encoding="utf-8")
    found = [(m, path.parent / m) for m in LINK.findall(text) if "://" not in m and not m.startswith("mailto:")]
    found += [(m, ROOT / m) for m in REPO_PATH.findall(text) if not any(c in m for c in "*<>")]
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_repository_path_exists(document):
    missing = [name for name, target in _targets(document) if not target.exists()]
    assert missing == [], f"{document.name} points at files that do not exist"


def test_the_path_check_catches_a_missing_file(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("see [here](nowhere.md) and `ketasim/nowhere.py`", encoding="utf-8")
    assert len([t for _, t in _targets(doc) if not t.exists()]) == 2
