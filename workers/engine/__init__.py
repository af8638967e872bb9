"""The deterministic engine: per-run state (clock, RNG, KV, fs, net, memory) and the step loop."""
