# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # One scenario
#
# Run one scenario from Python, look at its time series and metrics, and write its outputs.
#
# *This tutorial is being written; this placeholder only checks that the
# site executes it.*

# %%
import ketasim

print(ketasim.__version__)
