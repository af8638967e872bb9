"""Imports every step family module so that each registers its steps (one line per family)."""

from workers.steps import basic, blocks, kv, memory, net, time  # noqa: F401
