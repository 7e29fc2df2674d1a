"""The installed ketasim version (``0.0.0+unknown`` in a source tree that was never installed)."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("ketasim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
