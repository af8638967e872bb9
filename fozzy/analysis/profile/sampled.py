"""Sampled Python stacks (`--profile-cpu`): the shape a run stores and how it reads as folds.

Stored under `measurements.samples` as `{periodNs, frames[{name, file, line}],
stacks[[frame index, root first]], counts[]}`: frames once, stacks as index lists, one count
per distinct stack, so a long campaign does not repeat frame names per sample.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def check_samples(value: Any, bad: Callable[[str], Exception]) -> None:
    if not isinstance(value, dict):
        raise bad("samples is not an object")
    period, frames = value.get("periodNs"), value.get("frames")
    stacks, counts = value.get("stacks"), value.get("counts")
    if not isinstance(period, int) or isinstance(period, bool) or period <= 0:
        raise bad("samples.periodNs is not a positive integer")
    if not isinstance(frames, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("file"), str)
        and isinstance(f.get("line"), int) for f in frames
    ):
        raise bad("samples.frames is not a list of {name, file, line}")
    other = value.get("otherSamples", 0)
    if not isinstance(other, int) or isinstance(other, bool) or other < 0:
        raise bad("samples.otherSamples is not a non-negative integer")
    if not isinstance(stacks, list) or not isinstance(counts, list) or len(stacks) != len(counts):
        raise bad("samples.stacks and samples.counts must be arrays of the same length")
    for i, (stack, count) in enumerate(zip(stacks, counts, strict=True)):
        if not isinstance(stack, list) or not all(
            isinstance(x, int) and not isinstance(x, bool) and 0 <= x < len(frames) for x in stack
        ):
            raise bad(f"samples.stacks[{i}] is not a list of frame indexes")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise bad(f"samples.counts[{i}] is not a positive integer")


def frame_label(frame: dict[str, Any]) -> str:
    return f"{frame['name']} ({frame['file']}:{frame['line']})"


def folded(samples: dict[str, Any], root: list[str]) -> list[tuple[list[str], int]]:
    """(frames root first, CPU ns) per distinct sampled stack, under the `root` frames."""
    labels = [frame_label(f) for f in samples["frames"]]
    period = int(samples["periodNs"])
    return [
        ([*root, *(labels[i] for i in stack)], count * period)
        for stack, count in zip(samples["stacks"], samples["counts"], strict=True)
    ]
