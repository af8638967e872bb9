"""The documents of the analysis commands — `profile`, `map`, `gate` and `full` — split from
`fozzy.documents` (which imports them and lists them in `DOCUMENT_TYPES`) only for size; the
same rules hold (TypedDicts, `NotRequired` for keys not every document carries, no
`from __future__ import annotations`)."""

from typing import Any, Literal, NotRequired, TypedDict


class ProfileTop(TypedDict):
    """`profile top`: each selected domain's rows appear only when the run has data for it."""

    schemaVersion: str
    run: str
    runId: str
    limit: int
    domains: list[str]
    cpu: NotRequired[list[dict[str, Any]]]
    cpuSampled: NotRequired[list[dict[str, Any]]]
    heap: NotRequired[list[dict[str, Any]]]
    latency: NotRequired[dict[str, Any]]
    io: NotRequired[list[dict[str, Any]]]
    sched: NotRequired[list[dict[str, Any]]]
    emptyDomains: list[dict[str, Any]]
    metrics: dict[str, float]
    nonDeterministicMetrics: list[str]


class ProfileFile(TypedDict):
    """`profile export`: what was written where."""

    schemaVersion: str
    run: str
    format: str
    domain: str
    out: str
    bytes: int


class ProfileFlame(TypedDict):
    """`profile flame`: the flame data in `content` (speedscope as an object), or with
    `--out` the file's `out` path and `bytes`."""

    schemaVersion: str
    run: str
    domain: str
    format: str
    content: NotRequired[Any]
    out: NotRequired[str]
    bytes: NotRequired[int]


class ProfileTimeline(TypedDict):
    """`profile timeline`: json carries `events`, html `content`; with `--out` only what
    was written (`out`, `bytes`)."""

    schemaVersion: str
    run: str
    format: str
    runId: NotRequired[str]
    timeDomains: NotRequired[dict[str, str]]
    events: NotRequired[list[dict[str, Any]]]
    content: NotRequired[str]
    out: NotRequired[str]
    bytes: NotRequired[int]


class ProfileDiffSummary(TypedDict):
    verdict: Literal["regression_detected", "improvement", "stable"]
    regressions: int
    improvements: int
    topRegressionMetric: str | None


class ProfileDiff(TypedDict):
    schemaVersion: str
    left: list[str]
    right: list[str]
    domains: list[str]
    summary: ProfileDiffSummary
    rows: list[dict[str, Any]]
    notCompared: list[dict[str, Any]]
    shiftedPaths: list[dict[str, Any]]


class ProfileExplain(TypedDict):
    """`run`/`baseline` are lists (comma groups) with `--diff-with`, else `run` is one label."""

    schemaVersion: str
    run: str | list[str]
    baseline: NotRequired[list[str]]
    verdict: NotRequired[str]
    statement: str
    topPath: str | None
    likelyCauseDomain: str | None
    evidence: list[Any]


class ProfileShrink(TypedDict):
    schemaVersion: str
    run: str
    metric: str
    condition: dict[str, float]
    measured: bool
    baseline: float
    after: float
    preserved: bool
    stepsBefore: int
    stepsAfter: int
    candidates: int
    outOfBudget: bool
    out: str


class ProfileEnv(TypedDict):
    schemaVersion: str
    host: dict[str, str]
    determinismContract: dict[str, Any]
    domains: dict[str, Any]


class ProfileDoctor(TypedDict):
    schemaVersion: str
    run: str
    ok: bool
    checks: list[dict[str, Any]]
    issues: list[dict[str, Any]]


class MapReport(TypedDict):
    """What every `map` report starts with; the degraded-read lists are present only when
    not empty."""

    schemaVersion: str
    root: str
    scenarioRoot: str
    scannedFiles: int
    skippedSourceFiles: NotRequired[list[Any]]
    unreadableScenarios: NotRequired[list[Any]]
    invalidScenarios: NotRequired[list[Any]]
    declarationOnlyScenarios: NotRequired[list[Any]]
    warnings: NotRequired[list[str]]


class MapHotspots(MapReport):
    minRisk: int
    hotspots: list[dict[str, Any]]


class MapServices(MapReport):
    services: list[dict[str, Any]]


class MapSuites(MapReport):
    profile: str
    shrinkPolicy: str
    baseMinRisk: int
    effectiveMinRisk: int
    scenarioCount: int
    requiredHotspotCount: int
    coveredHotspotCount: int
    uncoveredHotspotCount: int
    totalSuites: int
    returnedSuites: int
    offset: int
    limit: int
    truncated: bool
    suites: list[dict[str, Any]]


class WorkflowStep(TypedDict):
    """One step of `gate`/`full`; a skipped step says why and how to run it."""

    name: str
    status: Literal["passed", "failed", "skipped", "advisory"]
    detail: str
    durationMs: int
    skipReason: NotRequired[str]
    unskip: NotRequired[str]


class GateReport(TypedDict):
    schemaVersion: str
    status: Literal["pass", "fail"]
    profile: str
    strict: bool
    scenarioRoot: str
    seed: int
    scopes: list[str]
    matchedScenarios: list[str]
    steps: list[WorkflowStep]


class FullReport(TypedDict):
    schemaVersion: str
    status: Literal["pass", "fail"]
    strict: bool
    unsafe_mode: bool
    scenarioRoot: str
    seed: int
    guidance: list[str]
    shrinkClassification: NotRequired[Any]
    steps: list[WorkflowStep]
