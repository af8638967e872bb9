// The options of each typed method (§8.3): camelCase keys are the command's flags in
// kebab-case (see flags.ts). Split from index.ts only for size.

export type Duration = `${number}${"ms" | "s" | "m" | "h"}`;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";
export type Reporter = "pretty" | "json" | "junit" | "html";
export type RecordCollision = "error" | "overwrite" | "append";
export type Schedule = "fifo" | "random" | "pct" | "coverage_guided" | "bfs" | "dfs";
export type Json = Record<string, unknown>;

export type ProfileCapture = "baseline" | "full";
export type TopologyProfile = "balanced" | "pedantic" | "overkill";
export type ShrinkPolicy = "failure-only" | "exercised-ok" | "no-known-failures";

interface MemoryOptions {
  memTrack?: boolean;
  memLimitMb?: number;
  memFailAfter?: number;
  failOnLeak?: boolean;
  leakBudget?: number;
}

export interface RunOptions extends MemoryOptions {
  det?: boolean;
  seed?: number | string;
  timeout?: Duration;
  reporter?: Reporter;
  memFragmentationSeed?: number;
  memPressureWave?: string;
  memArtifacts?: boolean;
  workerMemMb?: number;
  record?: string;
  recordCollision?: RecordCollision;
  profileCapture?: ProfileCapture;
}

export interface TestOptions extends MemoryOptions {
  /** Scenario files or globs (positional). */
  scenarios?: string[];
  det?: boolean;
  seed?: number | string;
  jobs?: number;
  timeout?: Duration;
  filter?: string;
  reporter?: Reporter;
  record?: string;
  recordCollision?: RecordCollision;
  failFast?: boolean;
  skipDistributed?: boolean;
  workerMemMb?: number;
  memFragmentationSeed?: number;
  memPressureWave?: string;
  /** A Dask scheduler address, or `local` / `local:N` (`--dask`; docs/cluster.md). */
  dask?: string;
  /** "full": keep every profile domain of each scenario, even for a passing suite. */
  profileCapture?: ProfileCapture;
}

export interface FuzzOptions extends MemoryOptions {
  mode?: "coverage" | "property";
  det?: boolean;
  seed?: number | string;
  runs?: number;
  time?: Duration;
  jobs?: number;
  maxInput?: number;
  maxCorpus?: number;
  corpus?: string;
  mutator?: string[];
  dict?: string;
  crashOnly?: boolean;
  /** false passes --no-compare-feedback; undefined keeps the CLI's default (on). */
  compareFeedback?: boolean;
  minimize?: boolean;
  record?: string;
  recordCollision?: RecordCollision;
  timeout?: Duration;
  reporter?: Reporter;
  /** A Dask scheduler address, or `local` / `local:N` (`--dask`; docs/cluster.md). */
  dask?: string;
  /** Sample the fn: target's stacks (see profileTop). */
  profileCpu?: boolean;
}

export interface ExploreOptions {
  schedule?: Schedule;
  schedules?: number;
  seed?: number | string;
  steps?: number;
  time?: Duration;
  nodes?: number;
  faults?: string[];
  checker?: string[];
  pctDepth?: number;
  jobs?: number;
  shrink?: boolean;
  record?: string;
  recordCollision?: RecordCollision;
  reporter?: Reporter;
  /** A Dask scheduler address, or `local` / `local:N` (`--dask`; docs/cluster.md). */
  dask?: string;
}

export interface ReplayOptions {
  until?: Duration;
  step?: boolean;
  dumpEvents?: boolean;
  reporter?: Reporter;
  trustTarget?: boolean;
  profileCapture?: ProfileCapture;
}

export interface ShrinkOptions {
  out?: string;
  budget?: Duration;
  minimize?: "input" | "schedule" | "faults" | "all";
  trustTarget?: boolean;
  jobs?: number;
  /** A Dask scheduler address, or `local` / `local:N` (`--dask`; docs/cluster.md). */
  dask?: string;
}

export interface DoctorOptions {
  deep?: boolean;
  scenario?: string;
  runs?: number;
  seed?: number | string;
  /** A Dask scheduler address, or `local` / `local:N` (`--dask`; docs/cluster.md). */
  dask?: string;
}

export interface CiOptions {
  /** Repeated as --flake-run. */
  flakeRuns?: string[];
  flakeBudget?: number;
  perfBaseline?: string;
  maxP99DeltaPct?: number;
  trustTarget?: boolean;
}

export interface InitOptions {
  force?: boolean;
  template?: "ts" | "rust" | "minimal";
  with?: string[];
  allTests?: boolean;
}

export interface OutOptions {
  out: string;
  force?: boolean;
}


/** Domain switches of the profile reports; none selects every domain. */
export interface ProfileDomains {
  cpu?: boolean;
  heap?: boolean;
  latency?: boolean;
  io?: boolean;
  sched?: boolean;
}

export interface ProfileTopOptions extends ProfileDomains {
  limit?: number;
}

/** Flame graphs and exports take one of the three stack domains. */
export interface FlameDomain {
  cpu?: boolean;
  heap?: boolean;
  latency?: boolean;
}

export interface ProfileFlameOptions extends FlameDomain {
  format?: "folded" | "svg" | "speedscope";
  /** Write the file; the result then says where (`out`, `bytes`) instead of holding it. */
  out?: string;
}

export interface ProfileTimelineOptions {
  format?: "json" | "html";
  out?: string;
}

export interface ProfileExportOptions extends FlameDomain {
  format: "speedscope" | "pprof" | "otlp" | "folded" | "svg" | "html";
  out: string;
}

export interface ProfileShrinkOptions {
  metric: string;
  above?: number;
  below?: number;
  out?: string;
  budget?: Duration;
  jobs?: number;
}

export interface MapOptions {
  root?: string;
  scenarioRoot?: string;
}

export interface MapHotspotsOptions extends MapOptions {
  minRisk?: number;
  limit?: number;
}

export interface MapSuitesOptions extends MapOptions {
  minRisk?: number;
  profile?: TopologyProfile;
  shrinkPolicy?: ShrinkPolicy;
  limit?: number;
  offset?: number;
  all?: boolean;
  onlyRequired?: boolean;
  onlyUncovered?: boolean;
  maxMatchedScenarios?: number;
}

interface WorkflowOptions {
  scenarioRoot?: string;
  seed?: number | string;
  doctorRuns?: number;
  /** Comma-joined into one --skip-steps. */
  skipSteps?: string[];
  /** Comma-joined into one --required-steps. */
  requiredSteps?: string[];
  stepTimeout?: Duration;
}

export interface GateOptions extends WorkflowOptions {
  profile?: "targeted";
  /** Comma-joined into one --scope. */
  scope?: string[];
}

export interface FullOptions extends WorkflowOptions {
  fuzzTime?: Duration;
  exploreSteps?: number;
  exploreNodes?: number;
  allowExpectedFailures?: boolean;
  scenarioFilter?: string;
  /** The repository root `map suites` must find fully covered. */
  requireTopologyCoverage?: string;
  topologyMinRisk?: number;
  topologyProfile?: TopologyProfile;
  topologyShrinkPolicy?: ShrinkPolicy;
}
