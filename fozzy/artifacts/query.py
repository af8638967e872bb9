"""Questions asked of finished runs: `report query` path expressions over a summary,
`report flaky` across runs, and `artifacts diff` between two runs.

The expression language is deliberately tiny (§2.15): `.name`, `[N]`, `[]` (every element),
a numeric `.N` indexing an array, `$` as an optional root, and a few identity shortcuts
(`.runId` means `.identity.runId`). Anything else is rejected rather than guessed at.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fozzy.artifacts.selectors import Selection
from fozzy.errors import FozzyError
from fozzy.schema_ids import FLAKY_REPORT

FLAKY_SCHEMA = FLAKY_REPORT
_SHORTCUTS = ("runId", "seed", "tracePath", "reportPath", "artifactsDir")
_TOKEN = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d*)\]")
_MAX_SUGGESTIONS = 4


class QueryError(FozzyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "report error")


def _normalize(expr: str) -> str:
    e = expr.strip()
    if not e:
        raise QueryError("empty report path expression")
    if e in (".", "$"):
        return ""
    if e.startswith("$"):
        if not e.startswith(("$.", "$[")):
            raise QueryError(f'unsupported report path expression "{expr}"')
        e = e[1:]
    if e[0].isalpha() or e[0] in "_[":
        e = "." + e if e[0] != "[" else e
    if not e.startswith((".", "[")):
        raise QueryError(f'unsupported report path expression "{expr}"')
    for short in _SHORTCUTS:
        head = "." + short
        if e == head or e.startswith((head + ".", head + "[")):
            return ".identity" + e
    return e


Token = str | int | None  # member name, array index, or None for `[]`


def parse(expr: str) -> list[Token]:
    e = _normalize(expr)
    tokens: list[Token] = []
    pos = 0
    while pos < len(e):
        m = _TOKEN.match(e, pos)
        if m is None:
            raise QueryError(
                f'unsupported report path expression "{expr}" (unexpected {e[pos:]!r})'
            )
        name, index = m.group(1), m.group(2)
        if name is not None:
            tokens.append(name)
        else:
            tokens.append(int(index) if index else None)
        pos = m.end()
    return tokens


def _step(values: list[Any], token: Token) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if token is None:
            if isinstance(v, list):
                out.extend(v)
        elif isinstance(token, int) or (isinstance(v, list) and token.isdigit()):
            i = int(token)
            if isinstance(v, list) and i < len(v):
                out.append(v[i])
        elif isinstance(v, dict) and token in v:
            out.append(v[token])
    return out


def evaluate(doc: Any, expr: str) -> Any:
    """The value at `expr`; a list when the expression fans out with `[]`."""
    tokens = parse(expr)
    values = [doc]
    for token in tokens:
        values = _step(values, token)
    if not values:
        hint = suggestions(doc, expr)
        tail = f"; did you mean {', '.join(hint)}" if hint else ""
        raise QueryError(f'query matched no values for expression "{expr.strip()}"{tail}')
    if None in tokens:
        return values
    return values[0]


def list_paths(doc: Any) -> list[str]:
    """Every path in `doc`, sorted, without the leading dot (the root is `.`); an array is
    listed as `a[]` and through its first element `a[0]…`."""
    found: set[str] = set()

    def walk(value: Any, path: str) -> None:
        found.add(path.lstrip(".") or ".")
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, f"{path}.{key}")
        elif isinstance(value, list):
            found.add(f"{path}[]".lstrip("."))
            if value:
                walk(value[0], f"{path}[0]")

    walk(doc, "")
    return sorted(found)


def suggestions(doc: Any, expr: str) -> list[str]:
    paths = list_paths(doc)
    want = expr.strip().lstrip("$").lstrip(".").lower()
    if not want:
        return []
    starts = [p for p in paths if p.lower().startswith(want)]
    if starts:
        return starts[:_MAX_SUGGESTIONS]
    last = re.split(r"[.\[\]]+", want.strip(".[]"))[-1]
    if not last:
        return []
    near = [p for p in paths if p.lower().endswith(last)]
    near += [p for p in paths if last in p.lower() and p not in near]
    return near[:_MAX_SUGGESTIONS]


def _signature(summary: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """Status and the sorted set of finding titles: finding order is noise, not flakiness
    (spec Appendix A.23), and both `isFlaky` and `flakeRatePct` use this one signature."""
    titles = {str(f.get("title")) for f in summary.get("findings") or [] if isinstance(f, dict)}
    return str(summary.get("status")), tuple(sorted(titles))


def flaky_report(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    if len(summaries) < 2:
        raise QueryError("report flaky needs at least two runs")
    seen: dict[str, int] = {}
    for i, s in enumerate(summaries):
        run_id = str(s["identity"]["runId"])
        if run_id in seen:
            raise QueryError(
                f"selectors {seen[run_id] + 1} and {i + 1} name the same run {run_id}"
            )
        seen[run_id] = i
    signatures = [_signature(s) for s in summaries]
    groups = Counter(signatures)
    runs = len(summaries)
    statuses = Counter(sig[0] for sig in signatures)
    return {
        "schemaVersion": FLAKY_SCHEMA,
        "runCount": runs,
        "statusCounts": {k: statuses[k] for k in sorted(statuses)},
        "findingTitleSets": [list(t) for t in sorted({sig[1] for sig in signatures})],
        "isFlaky": len(groups) > 1,
        "flakeRatePct": (runs - max(groups.values())) / runs * 100,
    }


def check_budget(report: dict[str, Any], budget: float | None) -> None:
    if budget is None:
        return
    rate = float(report["flakeRatePct"])
    if rate > budget:
        raise QueryError(f"flake budget exceeded: {rate:.2f}% > {budget:.2f}%")


def _first_difference(a: list[Any], b: list[Any]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def diff_runs(left: Selection, right: Selection) -> dict[str, Any]:
    """What differs between two runs: their files (by digest), headline report facts and,
    when both have traces, where their decisions and events first diverge."""
    lfiles = {f"{f.kind}:{f.name}": f for f in left.files}
    rfiles = {f"{f.kind}:{f.name}": f for f in right.files}
    files: list[dict[str, Any]] = []
    for key in sorted(lfiles.keys() | rfiles.keys()):
        row: dict[str, Any] = {"key": key}
        lf, rf = lfiles.get(key), rfiles.get(key)
        if lf is not None:
            row["leftPath"], row["leftSizeBytes"] = str(lf.path), lf.size
        if rf is not None:
            row["rightPath"], row["rightSizeBytes"] = str(rf.path), rf.size
        row["changed"] = lf is None or rf is None or lf.digest != rf.digest
        files.append(row)
    ls, rs = left.summary, right.summary
    lf_titles = [f.get("title") for f in ls.get("findings") or []]
    rf_titles = [f.get("title") for f in rs.get("findings") or []]
    out: dict[str, Any] = {
        "left": left.label,
        "right": right.label,
        "files": files,
        "report": {
            "leftStatus": ls.get("status"), "rightStatus": rs.get("status"),
            "leftMode": ls.get("mode"), "rightMode": rs.get("mode"),
            "leftFindings": len(lf_titles), "rightFindings": len(rf_titles),
            "leftDurationMs": ls.get("durationMs"), "rightDurationMs": rs.get("durationMs"),
            "findingTitlesChanged": lf_titles != rf_titles,
        },
    }
    lt, rt = left.trace(), right.trace()
    if lt is not None and rt is not None:
        trace: dict[str, Any] = {
            "leftMode": lt.get("mode"), "rightMode": rt.get("mode"),
            "leftDecisions": len(lt["decisions"]), "rightDecisions": len(rt["decisions"]),
            "leftEvents": len(lt["events"]), "rightEvents": len(rt["events"]),
        }
        for key, member in (("firstDecisionDiffIndex", "decisions"),
                            ("firstEventDiffIndex", "events")):
            index = _first_difference(lt[member], rt[member])
            if index is not None:
                trace[key] = index
        out["trace"] = trace
    return out
