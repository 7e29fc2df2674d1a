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
# # A dose × timing sweep
#
# Sweep dose and timing over seeds and find where the effect against saline is significant.
#
# *This tutorial is being written; this placeholder only checks that the
# site executes it.*

# %%
import ketasim

print(ketasim.__version__)
