"""Build-time page `report/index.md`: the committed reproduction report, `figures/REPORT.md`, with its figures.

Run by mkdocs-gen-files during `mkdocs build`; nothing is written into docs/.
The report links its figures by file name (`[E01.png](E01.png)`), so every
`figures/*.png` is copied next to the page; a gallery of the figures the
report links follows the report.
"""

from __future__ import annotations

import re
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "figures"
REPORT = FIGURES / "REPORT.md"
FIGURE_LINK = re.compile(r"\[([^\]]+)\]\(([\w.-]+\.png)\)")

INTRO = """!!! note "The committed full run"
    This is `figures/REPORT.md` as committed: `ketasim reproduce` (full profile) writes it
    and the figures into `figures/`; `ketasim reproduce --quick --out DIR` makes a quick one.
    The experiments behind each row are the scripts in `experiments/` of the repository.

"""


def render() -> str:
    text = REPORT.read_text(encoding="utf-8")
    linked = list(dict.fromkeys(target for _, target in FIGURE_LINK.findall(text)))
    missing = [name for name in linked if not (FIGURES / name).is_file()]
    if missing:
        raise SystemExit(f"docs/gen/report_page.py: figures/REPORT.md links missing figures: {', '.join(missing)}")
    title, _, body = text.partition("\n")
    gallery = ["", "## Figures", ""]
    for name in linked:
        gallery += [f"### {Path(name).stem}", "", f"![{Path(name).stem}]({name})", ""]
    return "\n".join([title, "", INTRO + body.strip(), *gallery])


with mkdocs_gen_files.open("report/index.md", "w") as page:
    page.write(render())
for figure in sorted(FIGURES.glob("*.png")):
    with mkdocs_gen_files.open(f"report/{figure.name}", "wb") as copy:
        copy.write(figure.read_bytes())
