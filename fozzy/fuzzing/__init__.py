"""Coordinator side of fuzzing: corpus directories, safe corpus archives, campaigns."""
