"""Analyses over finished runs (memory today): read artifacts through selectors, never run."""
