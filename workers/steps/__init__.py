"""Step types: one module per family, each declaring fields and handler together."""
