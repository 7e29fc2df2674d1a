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
# # From a dose to spines
#
# One i.p. dose of ketamine in a mouse, followed from the plasma to the
# prefrontal circuit and on to spine density over a week: the chain the review
# describes (NMDAR block on interneurons → disinhibition → glutamate burst →
# BDNF/mTORC1 → synaptogenesis). Then the same at three doses, and once more
# with a model parameter changed.
#
# Everything runs in the *quick* profile (small, short circuit runs) so that
# this page builds in seconds; leave out `quick=True` for the full-size
# circuit.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import ketasim

print("ketasim", ketasim.__version__)
for e in ketasim.examples("scenario"):
    print(f"{e.name:22s} {e.summary}")

# %% [markdown]
# ## The scenario
#
# `ketasim.example` returns an example config as plain data, ready to run or to
# edit. Quantities are strings with units.

# %%
config = ketasim.example("default")
config

# %% [markdown]
# `ketasim.simulate` takes a config (a file, an example's name, data like this
# or a validated config) and keyword overrides written like `--set` on the
# command line. By default a scenario ends 24 h after its last event; we follow
# this one for a week.

# %%
result = ketasim.simulate(config, quick=True, overrides={"duration": "7 d"})
result

# %% [markdown]
# The time series are an `xarray.Dataset` over `time_h`, each variable with its
# unit as an attribute (`"1"`: dimensionless, relative to the drug-free
# state).

# %%
ts = result.timeseries
print({name: ts[name].attrs["units"] for name in list(ts.data_vars)[:6]})
ts

# %% [markdown]
# The scenario figure: concentrations, NMDAR block per cell type and the PFC
# circuit's firing rates at the moments the circuit was simulated (dashed: drug
# free).

# %%
fig = result.plot()

# %% [markdown]
# ## Three doses
#
# `ketasim.simulate_many` runs several scenarios with their circuit runs
# batched, faster than a loop over `simulate`. The metrics are plain numbers: `pyr_rate_hz` and `int_rate_hz` at the drug's
# peak, `glutamate_release` relative to drug-free, and spine density 24 h after
# the dose relative to baseline.

# %%
doses = ["3 mg/kg", "10 mg/kg", "30 mg/kg"]
variants = [{**config, "duration": "7 d", "dosing": [{**config["dosing"][0], "dose": d}]} for d in doses]
runs = dict(zip(doses, ketasim.simulate_many(variants, quick=True), strict=True))  # circuits batched

print(f"{'dose':>9s} {'block (PV)':>10s} {'pyr Hz':>7s} {'int Hz':>7s} {'glutamate':>9s} {'spines 24 h':>11s}")
for d, r in runs.items():
    m = r.metrics
    print(f"{d:>9s} {m['nmdar_block_peak_interneuron']:10.2f} {m['pyr_rate_hz']:7.2f} {m['int_rate_hz']:7.2f} "
          f"{m['glutamate_release']:9.2f} {m['spine_density_24h']:11.3f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), constrained_layout=True)
for d, r in runs.items():
    ts = r.timeseries
    ts["nmdar_block_interneuron"].sel(time_h=slice(0, 4)).plot(ax=axes[0], label=d)
    ts["pfc_mtor"].sel(time_h=slice(0, 24)).plot(ax=axes[1], label=d)
    ts["pfc_spine_density"].plot(ax=axes[2], label=d)
axes[0].set_title("NMDAR block, interneurons")
axes[1].set_title("PFC mTORC1 activity")
axes[2].set_title("PFC spine density")
axes[2].legend(frameon=False)

# %% [markdown]
# ## Changing a model parameter
#
# Every model constant is a registered parameter with a unit, a source and,
# when it was fitted, a range an override may take (`ketasim parameters` lists
# them; `docs/parameters.md` is the table). Here: the time constant with which
# new spines return to baseline.

# %%
from ketasim.parameters import lookup  # noqa: E402

tau = lookup("signalling.spines.tau")
print(f"{tau.key} = {tau.value:g} {tau.unit}, allowed {tau.bounds[0]:g} to {tau.bounds[1]:g} {tau.unit}")
print("source:", tau.source)

# %%
slow = ketasim.simulate(config, quick=True, overrides={"duration": "7 d"},
                        parameters={"signalling.spines.tau": "5 d"})
fig, ax = plt.subplots(figsize=(6, 3.4), constrained_layout=True)
result.timeseries["pfc_spine_density"].plot(ax=ax, label=f"tau = {tau.value:g} {tau.unit} (default)")
slow.timeseries["pfc_spine_density"].plot(ax=ax, label="tau = 5 d")
ax.legend(frameon=False)
print("spine density at 7 d:", round(result.metrics["pfc_spine_density_end"], 3), "(default) vs",
      round(slow.metrics["pfc_spine_density_end"], 3), "(tau = 5 d)")

# %% [markdown]
# A value outside the declared range, or a wrong unit, is refused with one line
# naming the key and what is allowed:

# %%
try:
    ketasim.simulate(config, quick=True, parameters={"signalling.spines.tau": "5 mg"})
except ketasim.ConfigError as error:
    print(error)

# %% [markdown]
# ## Saving
#
# `save` writes what `ketasim run` writes: `metrics.json`, `timeseries.csv`,
# `config.resolved.yaml` (which reruns to the same numbers) and the figures.

# %%
out = Path(tempfile.mkdtemp()) / "default-7d"
for path in result.save(out):
    print(path.name)
