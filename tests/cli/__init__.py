"""CLI tests: the real `fozzy` command run in a subprocess."""
