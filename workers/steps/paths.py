"""Addressing steps inside nested step lists, and copying only what a change touches.

A path indexes the top-level list, then each nested `steps` list in turn. Fuzz mutants and
shrink candidates are both "the same steps but one": copying just the steps on the path (and
the lists holding them) keeps every other step the very same object, so the parent is never
modified, a mutant costs little to make, and a shrink candidate can be sent as references to
the unchanged steps (see workers.candidates).
"""

from __future__ import annotations

from workers.steps.registry import Step

Path = tuple[int, ...]


def step_at(steps: list[Step], path: Path) -> Step:
    step = steps[path[0]]
    for i in path[1:]:
        step = step["steps"][i]
    return step


def copy_path(steps: list[Step], path: Path) -> tuple[list[Step], Step]:
    """A new top-level list and the fresh copy of the step at `path`, ready to change."""
    top = list(steps)
    container = top
    step: Step = {}
    for depth, i in enumerate(path):
        step = dict(container[i])
        container[i] = step
        if depth + 1 < len(path):
            nested = list(step["steps"])
            step["steps"] = nested
            container = nested
    return top, step
