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
# # Testing a fear hypothesis
#
# Asim et al. (2020) gave mice ketamine 22 h after fear conditioning and found
# less *generalisation* a day later: less freezing to a cue that was never
# paired with the shock (CS−), relative to the one that was (CS+). In the model
# a dose this long before the test can act only through the synaptic strength
# it builds, and that needs mTORC1. So a hypothesis with a prediction that can
# fail:
#
# > **H:** ketamine (30 mg/kg i.p., 22 h after conditioning) lowers the
# > generalisation index, and it does not when mTORC1 is switched off.
#
# We run the 2 × 2 design (saline or ketamine × mTORC1 on or off) over seeds,
# pair the arms by seed (a seed is one simulated animal: same network, same
# noise), and test. The quick profile keeps the page fast; its small network
# gives other generalisation levels and effect sizes than the full profile (see
# E06 in the reproduction report), so read the numbers below as a worked
# method, not as the model's answer.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import ketasim

config = ketasim.example("fear_generalisation")
config

# %% [markdown]
# ## The runs
#
# A mechanism switch is a config key (`mechanisms.mtor: 0` removes mTORC1's
# contribution everywhere in the model), so the design is a sweep grid.

# %%
SEEDS = [0, 1, 2, 3, 4]
spec = {
    "base": config,
    "grid": {"dosing.0.dose": ["0 mg/kg", "30 mg/kg"], "mechanisms.mtor": [1, 0], "seed": SEEDS},
}
results = ketasim.sweep(spec, Path(tempfile.mkdtemp()) / "generalisation_mtor", quick=True, workers=2)
gi = results["generalization_index"]
gi.mean("seed").to_pandas().round(3)

# %% [markdown]
# ## The test
#
# Per seed, the ketamine effect is the paired difference ketamine − saline,
# with mTORC1 on and with it off. We test each with an exact paired
# permutation test (all 2⁵ sign flips; with five seeds the smallest one-sided
# p is 1/32 ≈ 0.031) and give a t-interval of the mean difference. The
# interaction, whether the effect *differs* between mTORC1 on and off, is the
# paired difference of the two effects.


# %%
def paired(differences: np.ndarray, alternative: str) -> dict[str, float]:
    test = stats.permutation_test((differences,), np.mean, permutation_type="samples",
                                  alternative=alternative, n_resamples=np.inf)
    low, high = stats.ttest_1samp(differences, 0.0).confidence_interval(0.95)
    return {"mean": differences.mean(), "ci_low": low, "ci_high": high, "p": test.pvalue}


on, off = gi.sel({"mechanisms.mtor": 1.0}), gi.sel({"mechanisms.mtor": 0.0})
effect_on = (on.sel({"dosing.0.dose": 30.0}) - on.sel({"dosing.0.dose": 0.0})).values
effect_off = (off.sel({"dosing.0.dose": 30.0}) - off.sel({"dosing.0.dose": 0.0})).values
tests = {
    "ketamine effect, mTORC1 on (expect < 0)": paired(effect_on, "less"),
    "ketamine effect, mTORC1 off": paired(effect_off, "two-sided"),
    "on minus off (expect < 0)": paired(effect_on - effect_off, "less"),
}
for name, t in tests.items():
    print(f"{name:42s} {t['mean']:+.3f}  95 % CI [{t['ci_low']:+.3f}, {t['ci_high']:+.3f}]  p = {t['p']:.3f}")

# %%
fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
for k, values in enumerate((effect_on, effect_off)):
    ax.plot(np.full(len(values), k) + np.linspace(-0.08, 0.08, len(values)), values, "o", mfc="none")
    ax.errorbar(k + 0.25, values.mean(), yerr=values.std(ddof=1) / np.sqrt(len(values)), fmt="s", capsize=3)
ax.axhline(0, color="0.5", lw=0.8)
ax.set(xticks=[0, 1], xticklabels=["mTORC1 on", "mTORC1 off"], xlim=(-0.5, 1.5),
       ylabel="generalisation index,\nketamine − saline (per seed)")

# %% [markdown]
# ## What the test can tell
#
# A claim that an effect exists needs enough animals for power, not lucky
# ones; a claim that it is *absent* (here: without mTORC1) needs an
# equivalence test with a stated margin, not a p above 0.05. The spread of the
# paired differences tells how many seeds that would take: below, the number of
# seeds for 80 % power to detect the effect size E06 asks for (a drop of 0.1)
# with a one-sided paired t-test at α = 0.05, given the spread seen here.

# %%
spread = effect_on.std(ddof=1)


def power(n: int, effect: float = 0.1, sd: float = spread, alpha: float = 0.05) -> float:
    """Power of a one-sided paired t-test with n pairs (noncentral t)."""
    critical = stats.t.ppf(1 - alpha, n - 1)
    return float(stats.nct.sf(critical, n - 1, effect / sd * np.sqrt(n)))


needed = next(n for n in range(3, 500) if power(n) >= 0.8)
print(f"s.d. of the paired effect: {spread:.3f}; power with {len(SEEDS)} seeds: {power(len(SEEDS)):.2f}; "
      f"seeds for 80 % power: {needed}")
verdict = tests["ketamine effect, mTORC1 on (expect < 0)"]
if verdict["p"] <= 0.05 and verdict["ci_high"] < 0:
    print("With mTORC1 on, ketamine lowered the index in these seeds.")
else:
    print("With these seeds the test cannot decide whether ketamine lowers the index; "
          f"about {needed} seeds would (or the full profile, whose network is less noisy).")
