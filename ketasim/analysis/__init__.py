"""Analyses of sweep results: the dose-window statistics of ``ketasim window``."""
