"""Timing atlas, first pass: the catalogue's runnable entries against the model (issue 17).

Usage::

    PYTHONPATH=. python docs/examples/timing_atlas.py [--seeds 6] [--quick] [--workers 2] [--out DIR] [--table FILE]

Reads ``experiments/data/timing_catalogue.yaml`` and runs every entry whose
protocol, dose and timing the catalogue gives and the model can express, each
listed dose against saline given at the same time (same seeds, paired). Each
arm's direction is called with the reproduction's own checks: ``decrease`` or
``increase`` when the paired effect is at least 0.05 and its 95 % interval
excludes 0 (:func:`ketasim.reproduce.compare`), ``none`` when the 90 %
interval lies inside ±0.05 (:func:`ketasim.reproduce.equivalent`), else
``unclear``; it matches when it equals the published direction for that dose
(a dose the entry lists as effective takes the entry's direction, one it lists
as ineffective ``none``). An entry's ``use`` (``held_out``, or ``fitted`` when a
model constant was fitted to it) is carried into the table, and the held-out
arms are counted apart. Entries the model cannot run are listed with the
reason. Writes ``timing_atlas.json`` to ``--out``, prints the table (markdown)
and, with ``--table``, writes it to that file too.

The protocols are modelling choices, the same for every entry of a kind
(readout in brackets):

- cued fear: the entry's pairings (default 5) at hour C, a CS+ test in
  context B ``test_delay_h`` later (default 24 h) [CS+ freezing];
- extinction: pairings at C, 16 CS+ trials in context B at C + 48 h, a
  retention test at C + 72 h [CS+ freezing at retention];
- generalisation (Asim et al. 2020, E06's protocol): 5 pairings at C, a test
  of 8 CS+ and 8 CS− trials in context B at C + 46 h [generalisation index];
- contextual fear: 3 unsignalled footshocks in context A at C, a context test
  24 h later [context freezing];
- reconsolidation: 5 pairings at 0 h, a reactivation at 24 h and a CS+ test
  at 48 h, both in context B [CS+ freezing].

Conditioning is in context A; cues are tested in a novel context B, as cued
studies do, so that context fear does not add to the cue's.

The dose is given at C + ``timing_h`` (C is shifted so that no event falls
before 0 h), by the entry's route (an i.v. infusion over
``infusion_minutes``).
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CATALOGUE = ROOT / "experiments" / "data" / "timing_catalogue.yaml"
MIN_EFFECT = 0.05  # freezing or generalisation index (0-1): smallest effect that counts, and the no-effect margin
KINDS = {"cued_fear": "cued", "extinction": "extinction", "contextual_fear": "contextual",
         "reconsolidation": "reconsolidation"}


def kind_of(entry: dict) -> str | None:
    """The atlas protocol for an entry, or None."""
    if entry["protocol"] == "other" and "generalisation" in (entry.get("readout") or ""):
        return "generalisation"
    kind = KINDS.get(entry["protocol"])
    if kind == "extinction" and "contextual" in str(entry.get("fear_type")):
        return None  # context extinction readouts across sessions: not expressed yet
    if kind == "reconsolidation" and "contextual" in str(entry.get("fear_type")):
        return None
    return kind


def why_not(entry: dict) -> str | None:
    """Why the model cannot run this entry (None if it can)."""
    if entry["timing_anchor"] == "stress" or entry["protocol"] in ("stress_defeat", "learned_helplessness",
                                                                   "predator_scent", "stress_sps"):
        return "stress protocol with a behavioural readout the fear circuit does not produce (E05 models prophylaxis)"
    if kind_of(entry) is None:
        return f"protocol '{entry['protocol']}' ({entry.get('fear_type')}) not expressed by the atlas yet"
    if entry["timing_h"] is None:
        return "timing not read"
    if not entry["doses_mg_per_kg"] or entry["route"] not in ("ip", "iv_infusion", "sc"):
        return "dose or route not read"
    return None


def protocol(entry: dict) -> tuple[list[dict], float, str]:
    """(events, hour of the dose, readout metric) of an entry's protocol."""
    kind, timing = kind_of(entry), float(entry["timing_h"])
    pairings = int(entry.get("pairings") or 5)
    if kind == "reconsolidation":
        return ([{"event": "conditioning", "at": "0 h", "trials": 5},
                 {"event": "reactivation", "at": "24 h", "context": "B"},
                 {"event": "test", "at": "48 h", "cues": ["plus"], "context": "B"}], 24.0 + timing, "freezing_cs_plus")
    c = max(0.0, -timing)
    if kind == "cued":
        delay = float(entry.get("test_delay_h") or 24.0)
        events = [{"event": "conditioning", "at": f"{c} h", "trials": pairings},
                  {"event": "test", "at": f"{c + delay} h", "cues": ["plus"], "context": "B"}]
        return events, c + timing, "freezing_cs_plus"
    if kind == "extinction":
        events = [{"event": "conditioning", "at": f"{c} h", "trials": pairings},
                  {"event": "extinction", "at": f"{c + 48} h", "trials": 16, "context": "B"},
                  {"event": "test", "at": f"{c + 72} h", "cues": ["plus"], "context": "B"}]
        return events, c + timing, "freezing_cs_plus"
    if kind == "generalisation":
        events = [{"event": "conditioning", "at": f"{c} h", "trials": 5},
                  {"event": "test", "at": f"{c + 46} h", "cues": ["plus", "minus"], "trials": 8, "context": "B"}]
        return events, c + timing, "generalization_index"
    events = [{"event": "conditioning", "at": f"{c} h", "cs": "context", "trials": 3},
              {"event": "test", "at": f"{c + 24} h", "cues": ["context"]}]
    return events, c + timing, "freezing_context"


def dosing(entry: dict, drug: str, dose: float, at_h: float) -> list[dict]:
    event = {"drug": drug, "dose": f"{dose} mg/kg", "route": entry["route"], "at": f"{at_h} h"}
    if entry["route"] == "iv_infusion":
        event["duration"] = f"{entry.get('infusion_minutes') or 120} min"
    return [event]


def published(entry: dict, dose: float) -> str:
    effect = entry["effect"]
    if dose in (effect.get("ineffective_doses") or []):
        return "none"
    return effect["direction"]


def arms(entries: list[dict], seeds: list[int]):
    """Every (entry, dose) arm with its saline control: configs to run, and how to read them back."""
    configs: dict[str, dict] = {}
    plan = []
    for entry in entries:
        events, at_h, metric = protocol(entry)
        base = {"species": entry["species"], "protocol": events}
        saline = [json.dumps({**base, "seed": s, "dosing": dosing(entry, "saline", 0.0, at_h)}, sort_keys=True)
                  for s in seeds]
        for dose in entry["doses_mg_per_kg"]:
            treated = [json.dumps({**base, "seed": s, "dosing": dosing(entry, "ketamine", float(dose), at_h)},
                                  sort_keys=True) for s in seeds]
            configs.update({k: json.loads(k) for k in saline + treated})
            plan.append((entry, float(dose), at_h, metric, treated, saline))
    return configs, plan


def _run_chunk(args):
    keys, configs, quick = args
    from ketasim.settings import claim_build_dir

    claim_build_dir()
    from ketasim.reproduce.experiment import Profile, run_scenarios

    results = run_scenarios([configs[k] for k in keys], Profile(quick=quick))
    return {k: {m: float(v) for m, v in r.metrics.items()} for k, r in zip(keys, results, strict=True)}


def run_all(configs: dict[str, dict], quick: bool, workers: int) -> dict[str, dict]:
    by_seed: dict[int, list[str]] = {}
    for k in sorted(configs):
        by_seed.setdefault(configs[k]["seed"], []).append(k)
    # Whole seeds per worker, so that each worker's memo answers the sessions its arms share.
    chunks = [[k for s in sorted(by_seed)[w::workers] for k in by_seed[s]] for w in range(max(1, workers))]
    if len(chunks) == 1:
        return _run_chunk((chunks[0], configs, quick))
    with ProcessPoolExecutor(max_workers=len(chunks)) as pool:
        parts = pool.map(_run_chunk, [(c, configs, quick) for c in chunks])
        return {k: v for part in parts for k, v in part.items()}


def main() -> None:
    from ketasim.reproduce import compare, equivalent

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="the quick circuits (120-cell BLA)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "docs" / "examples"))
    parser.add_argument("--table", help="also write the markdown table to this file")
    args = parser.parse_args()
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    runnable = [e for e in catalogue if why_not(e) is None]
    skipped = [(e["id"], why_not(e)) for e in catalogue if why_not(e) is not None]
    seeds = list(range(args.seeds))
    configs, plan = arms(runnable, seeds)
    metrics = run_all(configs, args.quick, args.workers)
    rows = []
    for entry, dose, at_h, metric, treated, saline in plan:
        t = np.array([metrics[k][metric] for k in treated])
        c = np.array([metrics[k][metric] for k in saline])
        claim = f"{entry['id']} {dose:g} mg/kg"
        if compare(claim, t, c, "lower", MIN_EFFECT).passed:
            model = "decrease"
        elif compare(claim, t, c, "higher", MIN_EFFECT).passed:
            model = "increase"
        elif equivalent(claim, t, c, MIN_EFFECT).passed:
            model = "none"
        else:
            model = "unclear"
        d = t - c
        rows.append({"id": entry["id"], "study": entry["study"], "species": entry["species"],
                     "kind": kind_of(entry), "dose_mg_kg": dose, "route": entry["route"], "dose_at_h": at_h,
                     "timing_h": entry["timing_h"], "anchor": entry["timing_anchor"], "readout": metric,
                     "saline": float(c.mean()), "ketamine": float(t.mean()), "effect": float(d.mean()),
                     "effect_sd": float(np.std(d, ddof=1)), "published": published(entry, dose), "model": model,
                     "match": model == published(entry, dose), "use": entry.get("use", "held_out")})
    matched = sum(r["match"] for r in rows)
    held_out = [r for r in rows if r["use"] == "held_out"]
    summary = {"arms": len(rows), "matched": matched, "held_out_arms": len(held_out),
               "held_out_matched": sum(r["match"] for r in held_out), "entries_run": len(runnable),
               "entries_skipped": len(skipped), "seeds": args.seeds, "profile": "quick" if args.quick else "full"}
    out = Path(args.out)
    (out / "timing_atlas.json").write_text(json.dumps({"summary": summary, "rows": rows, "skipped": skipped},
                                                      indent=1), encoding="utf-8")
    lines = ["| entry | study | species | dose (mg/kg), route | dose at | readout | saline → ketamine | effect ± SD "
             "| published | model | match | use |",
             "| --- | --- | --- | --- | --- | --- | ---: | ---: | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['id']} | {r['study']} | {r['species']} | {r['dose_mg_kg']:g} {r['route']} | "
                     f"{r['timing_h']:+g} h ({r['anchor']}) | {r['readout']} | {r['saline']:.3f} → {r['ketamine']:.3f} "
                     f"| {r['effect']:+.3f} ± {r['effect_sd']:.3f} | {r['published']} | {r['model']} | "
                     f"{'✓' if r['match'] else '✗'} | {r['use'].replace('_', ' ')} |")
    lines.append("")
    lines.append(f"{matched} of {len(rows)} arms match the published direction, {summary['held_out_matched']} of the "
                 f"{len(held_out)} held out ({len(runnable)} entries run, {args.seeds} seeds, {summary['profile']} profile).")
    lines.append("")
    lines.append("Not run: " + "; ".join(f"{i} ({why})" for i, why in skipped) + ".")
    if args.table:
        Path(args.table).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
