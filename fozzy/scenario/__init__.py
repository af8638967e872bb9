"""Scenario files: loading and classifying (`load`), validating (`validate`), describing the
format (`schema`) and selecting files for `test` (`discover`)."""

from fozzy.scenario.load import Scenario, load_scenario, parse_scenario
from fozzy.scenario.validate import require_steps, validate_scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario", "require_steps", "validate_scenario"]
