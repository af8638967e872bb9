"""fozzy: deterministic scenario testing. This package is the coordinator side."""

__version__ = "0.1.0"
