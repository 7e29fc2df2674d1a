"""Every parameter has a traceable source, and docs/parameters.md is current."""

import re
from pathlib import Path

from ketasim.parameters import Parameter, registry, render_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"

# An author (or authors) and a year: "Brunel & Wang 2001", "Kotermanski & Johnson 2009",
# "Destexhe, Contreras, Steriade, Sejnowski & Huguenard 1996", "Zanos et al. 2016".
CITATION = re.compile(r"\b[A-Z][\w'-]+(?: et al\.|,? (?:&|and) [A-Z][\w'-]+|, [A-Z][\w'-]+)*,? (?:19|20)\d{2}\b")
RECORD = re.compile(r"\bPubChem CID \d+\b|\bdocs/design\.md \d+(?:\.\d+)*\b")  # a database entry, a design section
LABELLED = re.compile(r"^(?:assumption|modelling choice): \S+(?: \S+){2,}")  # said to be a choice, with a reason


def _cites(source: str) -> bool:
    return bool(CITATION.search(source) or RECORD.search(source))


def _untraceable(p: Parameter, params: list[Parameter]) -> str | None:
    """Why a non-fitted parameter's source does not say where its value comes from (None if it does).

    A source is traceable if it
    * cites a paper by author(s) and year, a PubChem record or a section of docs/design.md;
    * is labelled ``assumption:`` or ``modelling choice:`` and gives a reason of at least three words;
    * derives the value from another registered parameter, which it names (``bla.freezing_half_rate``);
    * is "as above" inside a dotted group (``composition.interneuron.*``) where a sibling cites a paper;
    * names an author whom the registry cites with a year elsewhere (a short form of that citation).
    """
    source = p.source.strip()
    if _cites(source) or LABELLED.match(source):
        return None
    others = [q for q in params if q.key != p.key]
    names = {n for q in others for n in (q.key, q.name) if ("_" in n or "." in n) and len(n) > 4}
    if any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", source) for n in names):
        return None
    if source.lower().startswith("as above"):
        group = p.name.rpartition(".")[0]
        siblings = [q for q in others if q.layer == p.layer and group and q.name.rpartition(".")[0] == group]
        return None if any(_cites(q.source) for q in siblings) else "'as above' with no cited sibling in its group"
    authors = {m.group(0).split()[0].rstrip(",") for q in others for m in CITATION.finditer(q.source)}
    if any(re.search(rf"\b{re.escape(a)}\b", source) for a in authors if len(a) >= 4):
        return None
    return "no author and year, record, labelled assumption, parameter or cited author"


def test_every_fitted_parameter_has_a_finite_range_with_its_reason():
    """What robustness draws and sensitivity samples span: declared from a source, or the stated default."""
    import math

    fitted = [p for p in registry() if p.fitted]
    assert len(fitted) > 40
    for p in fitted:
        low, high = p.bounds
        assert math.isfinite(low) and math.isfinite(high) and low <= p.value <= high, p.key
        assert p.bounds_reason and not p.bounds_reason.startswith("measured"), f"{p.key}: {p.bounds_reason!r}"


def test_every_parameter_has_a_source_or_says_what_it_was_fitted_to():
    """A measured parameter's source leads to where its value comes from; a fitted one names its target.

    param() already refuses an empty source; this refuses a lazy one that traces nowhere: "see above",
    "x", "TODO", "assumption" without a reason, an author without a year whom the registry never cites
    in full, "as above" with nothing cited above it.
    """
    params = registry()
    assert len(params) > 40
    for p in params:
        if p.fitted:
            assert len(p.source) > len("fitted: ") + 10, f"{p.key} must say what it was fitted to"
        else:
            assert _untraceable(p, params) is None, f"{p.key}: {_untraceable(p, params)}: {p.source!r}"
    # The rule rejects lazy sources (so the loop above can fail).
    group = next(p for p in params if p.name.startswith("composition.interneuron."))
    lazy = ["see above", "x", "TODO", "Doe & Roe", "Doe et al. (in press)", "assumption", "assumption: guessed",
            "docs/design.md", "PubChem", "as above"]
    for source in lazy:
        fake = Parameter("circuit", "lonely_constant", 1.0, "1", source)
        assert _untraceable(fake, params) is not None, source
    assert _untraceable(Parameter(group.layer, "composition.nowhere.GluN2X", 1.0, "1", "as above"), params)
    assert _untraceable(Parameter(group.layer, group.name + "_copy", 1.0, "1", "as above"), params) is None


def test_parameter_table_is_current():
    assert DOC.read_text(encoding="utf-8") == render_table(), (
        "docs/parameters.md is out of date: run `make docs` (ketasim parameters --markdown > docs/parameters.md)"
    )
