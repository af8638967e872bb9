"""One module per mode: orchestration only (load, plan, execute through the pool, finalize)."""
