"""`fozzy profile`: where a recorded run's time and memory went, and whether a change moved it.

Everything here reads finished runs (trace or run directory) and never runs a scenario,
except `shrink`, which re-runs candidates through the executor. Measured numbers (wall and CPU
time, RSS, sampled stacks) come from the run's `measurements`; virtual-time latency, heap,
io and scheduler figures come from its deterministic event stream.
"""
