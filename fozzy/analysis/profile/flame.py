"""Flame data of one domain in the formats flame viewers read: folded stacks, speedscope JSON
and an SVG flame graph.

Units are honest: cpu in nanoseconds internally, milliseconds in speedscope, microseconds in
folded text (integers, as flamegraph.pl expects); heap in bytes; latency in virtual ms.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from fozzy.analysis.profile import domains, spans
from fozzy.analysis.profile.bundle import Bundle
from fozzy.errors import ArgumentError

FLAME_DOMAINS = ("cpu", "heap", "latency")
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"
#: (speedscope unit, factor from the domain's stack weight to that unit, folded factor, label)
UNITS = {
    "cpu": ("milliseconds", 1e-6, 1e-3, "µs of CPU"),
    "heap": ("bytes", 1.0, 1.0, "bytes allocated"),
    "latency": ("milliseconds", 1.0, 1.0, "virtual ms"),
}
#: SVG geometry: total width, row height, and the narrowest frame that still gets a label.
SVG_WIDTH = 1200
ROW = 18
LABEL_MIN_PX = 36


def stacks(b: Bundle, domain: str) -> list[tuple[list[str], int]]:
    if domain == "cpu":
        return domains.cpu_stacks(b)
    if domain == "heap":
        return domains.heap_stacks(b)
    if domain == "latency":
        return domains.latency_stacks(b)
    raise ArgumentError(f"no flame data for domain {domain}; use one of {', '.join(FLAME_DOMAINS)}")


def require(b: Bundle, domain: str) -> list[tuple[list[str], int]]:
    rows = [(f, w) for f, w in stacks(b, domain) if w > 0]
    if not rows:
        raise domains.empty_error(b, domain)
    return rows


def folded(rows: list[tuple[list[str], int]], domain: str) -> str:
    factor = UNITS[domain][2]
    lines = []
    for frames, weight in rows:
        names = ";".join(f.replace(";", ",").replace("\n", " ") for f in frames)
        lines.append(f"{names} {max(1, round(weight * factor))}")
    return "\n".join(lines) + "\n"


def speedscope(b: Bundle, domain: str) -> dict[str, Any]:
    frames: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def frame(name: str) -> int:
        if name not in index:
            index[name] = len(frames)
            frames.append({"name": name})
        return index[name]

    unit, factor, _, _ = UNITS[domain]
    if domain == "latency":
        profile = _evented(b, frame)
    else:
        rows = require(b, domain)
        samples = [[frame(f) for f in fs] for fs, _ in rows]
        weights = [w * factor for _, w in rows]
        profile = {"type": "sampled", "name": f"{b.scenario} ({domain})", "unit": unit,
                   "startValue": 0, "endValue": sum(weights), "samples": samples,
                   "weights": weights}
    return {"$schema": SPEEDSCOPE_SCHEMA, "shared": {"frames": frames},
            "profiles": [profile], "name": f"fozzy {b.scenario} {domain}",
            "activeProfileIndex": 0, "exporter": "fozzy"}


def _evented(b: Bundle, frame: Any) -> dict[str, Any]:
    """The span tree as open/close events in virtual ms (speedscope's time-ordered view)."""
    root = domains.span_tree(b)
    if not spans.all_spans(root):
        raise domains.empty_error(b, "latency")
    events: list[dict[str, Any]] = []

    def walk(span: spans.Span) -> None:
        fid = frame(span.name)
        events.append({"type": "O", "frame": fid, "at": span.start})
        for child in sorted(span.children, key=lambda c: c.start):
            walk(child)
        events.append({"type": "C", "frame": fid, "at": span.end})

    walk(root)
    return {"type": "evented", "name": f"{b.scenario} (latency, virtual time)",
            "unit": "milliseconds", "startValue": root.start, "endValue": root.end,
            "events": events}


@dataclass
class _Node:
    name: str
    weight: int = 0
    children: dict[str, _Node] = field(default_factory=dict)


def _tree(rows: list[tuple[list[str], int]]) -> _Node:
    root = _Node("all")
    for frames, weight in rows:
        root.weight += weight
        node = root
        for name in frames:
            node = node.children.setdefault(name, _Node(name))
            node.weight += weight
    return root


def _depth(node: _Node) -> int:
    return 1 + max((_depth(c) for c in node.children.values()), default=0)


def svg(b: Bundle, domain: str) -> str:
    """A flame graph: root at the bottom, each frame as wide as its share of the weight."""
    rows = require(b, domain)
    root = _tree(rows)
    levels = _depth(root)
    height = (levels + 2) * ROW
    label = UNITS[domain][3]
    scale = SVG_WIDTH / root.weight
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{height}"'
        f' viewBox="0 0 {SVG_WIDTH} {height}" font-family="monospace" font-size="11">',
        f"<title>{escape(f'fozzy flame graph: {b.scenario} ({domain})')}</title>",
        f'<text x="4" y="{ROW - 5}">{escape(f"{b.scenario}: {domain}, weights in {label}")}</text>',
    ]

    def draw(node: _Node, x: float, level: int, path: str) -> None:
        w = node.weight * scale
        y = height - (level + 1) * ROW
        hue = 10 + zlib.crc32(node.name.encode()) % 40  # stable across processes
        tip = f"{path} — {node.weight} ({node.weight / root.weight:.1%})"
        parts.append(
            f'<g><title>{escape(tip)}</title><rect x="{x:.2f}" y="{y}" width="{w:.2f}"'
            f' height="{ROW - 1}" fill="hsl({hue},85%,60%)" rx="2"/>'
        )
        if w >= LABEL_MIN_PX:
            chars = int(w / 7)
            text = node.name if len(node.name) <= chars else node.name[: max(1, chars - 1)] + "…"
            parts.append(f'<text x="{x + 3:.2f}" y="{y + ROW - 5}">{escape(text)}</text>')
        parts.append("</g>")
        cx = x
        for child in sorted(node.children.values(), key=lambda c: c.name):
            draw(child, cx, level + 1, f"{path};{child.name}")
            cx += child.weight * scale

    draw(root, 0.0, 0, "all")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
