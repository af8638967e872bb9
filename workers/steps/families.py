"""Imports every step family module so that each registers its steps (one line per family)."""

from workers.capabilities import host_fs, host_http, host_proc, replay  # noqa: F401
from workers.steps import basic, blocks, fs, http, kv, memory, net, proc, time  # noqa: F401
