"""Simulated distributed nodes for `fozzy explore`: the scenario declaration and its rules."""
