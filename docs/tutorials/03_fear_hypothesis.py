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
# # Testing a fear hypothesis
#
# State a hypothesis about fear memory, run the scenarios that test it and check the claim.
#
# *This tutorial is being written; this placeholder only checks that the
# site executes it.*

# %%
import ketasim

print(ketasim.__version__)
