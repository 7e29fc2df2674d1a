# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A dose × timing sweep and its window
#
# When, and at which dose, does ketamine lower immobility in the forced-swim
# test? A grid of doses × times of the dose before the test × seeds, run as one
# sweep into a resumable store, then the window: the grid points whose effect
# against saline at the same timing is significant after correction for
# multiple comparisons.
#
# The quick profile keeps this page fast. A sweep you mean to report runs
# without `quick=True`, and on a cluster with `scheduler="tcp://…"` when one
# machine is not enough (see `docs/sweeps.md`).

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import ketasim

# %% [markdown]
# ## The sweep
#
# A sweep is a base scenario and axes over its dotted keys. Here the
# forced-swim test is on day 7 (168 h) and the dose comes 168 h, 24 h or 1 h
# before it; 0 mg/kg is the control. Five seeds per cell: with fewer, no
# permutation p-value can pass the corrected threshold (the smallest one-sided
# p with n animals per group is 1 / C(2n, n), 0.004 for n = 5).

# %%
spec = {
    "description": "forced-swim immobility over ketamine dose x time of the dose before the test",
    "base": {
        "species": "mouse",
        "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}],
        "protocol": [{"event": "forced_swim", "at": "168 h"}],
    },
    "grid": {
        "dosing.0.dose": ["0 mg/kg", "10 mg/kg", "30 mg/kg"],
        "dosing.0.at": ["0 h", "144 h", "167 h"],
        "seed": [0, 1, 2, 3, 4],
    },
}
out = Path(tempfile.mkdtemp()) / "fst_dose_timing"
results = ketasim.sweep(spec, out, quick=True, workers=2)
results

# %% [markdown]
# `results` is the sweep's `results.nc`: one variable per metric over the axes
# (units as attributes), with each point's `status`. Running the same call
# again reads the finished points from the store instead of simulating them.

# %%
immobility = results["immobility_fst"]
hours_before = 168 - immobility["dosing.0.at"]
table = immobility.mean("seed").assign_coords({"dosing.0.at": hours_before.values})
table = table.rename({"dosing.0.at": "hours before the test"})
table.to_pandas().round(3)

# %% [markdown]
# ## The window
#
# `ketasim.window` compares every cell with the control (0 mg/kg at the same
# timing): the effect is the difference of means, with a percentile-bootstrap
# 95 % interval and a permutation p-value, one-sided here because the
# hypothesis is *less* immobility; the p-values of all cells are corrected
# together with Benjamini–Hochberg.

# %%
found = ketasim.window(results, metric="immobility_fst", control={"dosing.0.dose": "0 mg/kg"},
                       direction="lower", alpha=0.05)
found

# %%
effects = found.effects[["effect", "ci_low", "ci_high", "p", "q", "significant"]]
effects.to_dataframe().round(4)

# %% [markdown]
# The window's own figure is written next to its `window.json` and
# `window.md`; here we draw the effects ourselves, significant cells filled.

# %%
fig, ax = plt.subplots(figsize=(6, 3.6), constrained_layout=True)
for at, marker in zip(effects["dosing.0.at"].values, "osd", strict=True):
    row = effects.sel({"dosing.0.at": at})
    doses = row["dosing.0.dose"].values
    significant = row["significant"].values.astype(bool)
    ax.errorbar(doses, row["effect"], yerr=[row["effect"] - row["ci_low"], row["ci_high"] - row["effect"]],
                fmt=marker + "-", mfc="none", capsize=3, label=f"{168 - at:g} h before the test")
    ax.plot(doses[significant], row["effect"].values[significant], marker, color=ax.lines[-1].get_color())
ax.axhline(0, color="0.5", lw=0.8)
ax.set(xlabel="ketamine dose (mg/kg i.p.)", ylabel="immobility vs saline", title="effect with 95 % CI")
ax.legend(frameon=False)

# %%
print(f"{found.report['n_significant']} of {found.report['n_points']} cells significant")
for cell in found.window:
    print(f"  {cell['dosing.0.dose']:g} mg/kg given {168 - cell['dosing.0.at']:g} h before the test")

# %% [markdown]
# ## Reading the window
#
# A significant cell says the model's immobility differs from saline there,
# with the false discovery rate controlled over all cells; a cell outside the
# window says only that these seeds could not show it, not that there is no
# effect (a claim of *no* effect needs an equivalence test with a stated
# margin). How wide the window is in time is a property of the model to check
# against the literature before trusting it: here, compare the effect a week
# after the dose with the effect an hour after it.

# %%
week, hour = (effects["effect"].sel({"dosing.0.at": at}) for at in (0.0, 167.0))
for d in effects["dosing.0.dose"].values:
    print(f"{d:g} mg/kg: effect 1 h after the dose {float(hour.sel({'dosing.0.dose': d})):+.3f}, "
          f"a week after {float(week.sel({'dosing.0.dose': d})):+.3f}")

# %% [markdown]
# In a script (rather than a notebook), put the sweep under
# `if __name__ == "__main__":`: its worker processes start by importing the
# script (ketasim starts them with `spawn`, which imports the main module).
