"""Imports every step family module so that each registers its steps (one line per family)."""

from workers.steps import basic, blocks, fs, http, kv, memory, net, proc, time  # noqa: F401
