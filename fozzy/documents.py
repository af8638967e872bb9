"""The shapes of the JSON documents fozzy prints, in one place (the `schemaVersion` ids the CLI
modules stamp are in `fozzy.schema_ids`, which commands import without these classes).

The Python SDK's methods return these types, and `python -m fozzy.documents_ts` renders them
as TypeScript for `sdk-ts/src/documents.ts` (a test fails when that file drifts), so neither
SDK can silently disagree with the CLI. TypedDicts rather than classes: the documents stay
the plain dicts `json.loads` returns. Keys not every document carries are `NotRequired`. No
`from __future__ import annotations` here: on Python 3.11 it hides `NotRequired` from a
TypedDict's `__required_keys__`, which the generator reads.
"""

from typing import Any, Literal, NotRequired, TypedDict

from fozzy.documents_analysis import (
    FullReport,
    GateReport,
    MapHotspots,
    MapServices,
    MapSuites,
    ProfileDiff,
    ProfileDiffSummary,
    ProfileDoctor,
    ProfileEnv,
    ProfileExplain,
    ProfileFile,
    ProfileFlame,
    ProfileShrink,
    ProfileTimeline,
    ProfileTop,
    WorkflowStep,
)

Document = dict[str, Any]
Status = Literal["pass", "fail", "error", "timeout", "crash"]
ScenarioStatus = Literal["pass", "fail", "error", "timeout", "crash", "skipped"]
Mode = Literal["test", "run", "fuzz", "explore", "replay"]
FindingKind = Literal[
    "assertion", "panic", "hang", "invariant", "checker", "input_invalid", "target_behavior"
]


class ErrorEnvelope(TypedDict):
    """What every command prints under `--json` when it exits 2."""

    status: Literal["error"]
    code: str
    message: str


class Location(TypedDict, total=False):
    file: str
    line: int
    col: int
    details: str


class Finding(TypedDict):
    kind: FindingKind
    title: str
    message: str
    location: NotRequired[Location]


class Identity(TypedDict):
    runId: str
    seed: int
    tracePath: NotRequired[str]
    reportPath: NotRequired[str]
    artifactsDir: NotRequired[str]


class MemorySummary(TypedDict):
    allocCount: int
    freeCount: int
    failedAllocCount: int
    inUseBytes: int
    peakBytes: int
    leakedBytes: int
    leakedAllocs: int


class TestCounts(TypedDict):
    passed: int
    failed: int
    skipped: int


class ScenarioResult(TypedDict):
    path: str
    name: str
    seed: int
    status: ScenarioStatus
    durationMs: int
    virtualMs: NotRequired[int]
    findings: list[Finding]
    reproduce: NotRequired[str]


class ProfileTotals(TypedDict):
    steps: int
    wallMs: float
    cpuMs: float  # worker + host processes
    workerCpuMs: float
    hostCpuMs: float
    hostProcesses: int
    hostPeakRssBytes: int


class ProfileStep(TypedDict):
    scenario: NotRequired[str]  # a suite's steps name their scenario
    step: int
    type: str
    cpuMs: float
    workerCpuMs: float
    hostCpuMs: float
    wallMs: float


class ProfileHostProcess(TypedDict):
    scenario: NotRequired[str]
    step: int
    type: str
    cmd: str
    cpuMs: float
    wallMs: float
    peakRssBytes: int


class ProfileSampledStack(TypedDict):
    stack: str  # frames root first, `;`-joined
    cpuMs: float


class ProfileSampled(TypedDict):
    """`--profile-cpu` samples in the target's own frames."""

    samples: int
    otherSamples: int
    cpuMs: float
    periodMs: float
    topStacks: list[ProfileSampledStack]


class ProfileBlock(TypedDict):
    """`report show`'s summary of a measured run (fozzy.analysis.profile.report_block): the
    step part when steps were measured, `sampled` when stacks were sampled."""

    totals: NotRequired[ProfileTotals]
    topSteps: NotRequired[list[ProfileStep]]
    hostProcesses: NotRequired[list[ProfileHostProcess]]
    sampled: NotRequired[ProfileSampled]


class RunSummary(TypedDict):
    """run, test, fuzz, explore and replay (and `report.json`)."""

    status: Status
    mode: Mode
    identity: Identity
    startedAt: str
    finishedAt: str
    durationMs: int
    durationNs: int
    virtualMs: NotRequired[int]
    tests: NotRequired[TestCounts]
    scenarios: NotRequired[list[ScenarioResult]]
    memory: NotRequired[MemorySummary]
    findings: NotRequired[list[Finding]]
    fuzz: NotRequired[dict[str, Any]]
    explore: NotRequired[dict[str, Any]]
    #: The command line that reruns a failure (issue 12 item 6 adds it beyond `test` rows).
    reproduce: NotRequired[str]
    #: Only in `report show --format json` of a measured run; never in report.json.
    profile: NotRequired[ProfileBlock]


class VersionDoc(TypedDict):
    version: str


class UsageItem(TypedDict):
    command: str
    when: str
    how: str


class UsageDoc(TypedDict):
    title: str
    items: list[UsageItem]


class SchemaDoc(TypedDict):
    schemaVersion: str
    fileVariants: list[dict[str, Any]]
    durationSyntax: str
    commonFields: dict[str, Any]
    stepTypes: list[str]
    distributedStepTypes: list[str]
    distributedInvariantTypes: list[str]
    stepSchemas: dict[str, Any]
    distributedStepSchemas: dict[str, Any]
    distributedInvariantSchemas: dict[str, Any]


class ValidateReport(TypedDict):
    ok: bool
    scenario: str
    variant: NotRequired[Literal["steps", "distributed", "suites"]]
    name: NotRequired[str]
    steps: NotRequired[int]
    invariants: NotRequired[int]
    error: NotRequired[str]
    pointer: NotRequired[str]


class TraceVerify(TypedDict):
    ok: bool
    path: str
    version: int
    checksumPresent: bool
    checksumValid: bool
    warnings: NotRequired[list[str]]


class Check(TypedDict):
    name: str
    ok: bool
    detail: str


class CiReport(TypedDict):
    schemaVersion: str
    ok: bool
    checks: list[Check]


class DoctorReport(TypedDict):
    ok: bool
    checks: list[Check]
    issues: list[Any]
    nondeterminismSignals: list[Any]
    determinismAudit: NotRequired[dict[str, Any]]


class CorpusEntry(TypedDict):
    path: str
    sizeBytes: int


class CorpusList(TypedDict):
    dir: str
    inputs: list[CorpusEntry]


class ArtifactEntry(TypedDict):
    kind: str
    path: str
    sizeBytes: int


class ArtifactsList(TypedDict):
    type: Literal["list"]
    entries: list[ArtifactEntry]


class ArtifactsDiff(TypedDict):
    type: Literal["diff"]
    diff: dict[str, Any]


class ExportDoc(TypedDict):
    type: str
    out: str
    files: list[str]


class ReportShow(TypedDict):
    format: str
    content: Any


class FlakyReport(TypedDict):
    schemaVersion: str
    runCount: int
    statusCounts: dict[str, int]
    findingTitleSets: list[list[str]]
    isFlaky: bool
    flakeRatePct: float


#: Named unions, emitted as TypeScript type aliases and referred to by name.
ALIASES: dict[str, Any] = {
    "Status": Status, "ScenarioStatus": ScenarioStatus, "Mode": Mode, "FindingKind": FindingKind,
}

#: The documents the TypeScript SDK's types are generated from, in output order.
DOCUMENT_TYPES: tuple[type, ...] = (
    ErrorEnvelope, Location, Finding, Identity, MemorySummary, TestCounts, ScenarioResult,
    ProfileTotals, ProfileStep, ProfileHostProcess, ProfileSampledStack, ProfileSampled,
    ProfileBlock,
    RunSummary, VersionDoc, UsageItem, UsageDoc, SchemaDoc, ValidateReport, TraceVerify, Check,
    CiReport, DoctorReport, CorpusEntry, CorpusList, ArtifactEntry, ArtifactsList,
    ArtifactsDiff, ExportDoc, ReportShow, FlakyReport, ProfileTop, ProfileFile, ProfileFlame,
    ProfileTimeline, ProfileDiffSummary, ProfileDiff, ProfileExplain, ProfileShrink,
    ProfileEnv, ProfileDoctor, MapHotspots, MapServices, MapSuites, WorkflowStep, GateReport,
    FullReport,
)
