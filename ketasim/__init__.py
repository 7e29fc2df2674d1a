"""ketasim: simulate how ketamine's dose and timing change fear memory."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ketasim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
