// fozzy-sdk: drive the `fozzy` CLI from Node. A thin process wrapper: every call spawns the
// executable; nothing of the engine runs in the host process.

import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type {
  ArtifactsDiff, ArtifactsList, CiReport, CorpusList, DoctorReport, ExportDoc, FlakyReport,
  ReportShow, RunSummary, SchemaDoc, TraceVerify, UsageDoc, ValidateReport, VersionDoc,
} from "./documents.js";
import { toFlags } from "./flags.js";
import type {
  CiOptions, DoctorOptions, ExploreOptions, FuzzOptions, InitOptions, Json, LogLevel,
  OutOptions, ReplayOptions, Reporter, RunOptions, ShrinkOptions, TestOptions,
} from "./options.js";
import { AnalysisCommands } from "./analysis.js";
import { Run, type ExecResult, type SpawnSpec } from "./process.js";
import { parseResult } from "./results.js";
import { FozzyStream, execRun, type ExecHooks } from "./stream.js";
import type { DistributedScenarioBuilder, ScenarioBuilder } from "./builders.js";

export * from "./documents.js";
export * from "./errors.js";
export * from "./builders.js";
export { FozzyStream, type StreamEnd, type ExecHooks } from "./stream.js";
export { killTree, type ExecResult, type StreamEvent, type Source } from "./process.js";
export { documents as parseDocuments } from "./results.js";
export * from "./options.js";

export interface FozzyOptions {
  /** Executable, resolved through PATH (default "fozzy"). */
  bin?: string;
  /** Child working directory (default: process.cwd() at construction); --cwd is not passed. */
  cwd?: string;
  /** Always passed as --config (default "fozzy.toml"). */
  config?: string;
  /** Always passed as --log (default "info"). */
  log?: LogLevel;
  /** Adds --json to exec/stream (default true); the typed methods always pass it. */
  json?: boolean;
  noColor?: boolean;
  /** Merged over process.env; a key set to undefined removes it. */
  env?: Record<string, string | undefined>;
  /** Per-call time limit in ms; when spent the process tree is killed and the call rejects. */
  timeoutMs?: number;
}

export interface CallOptions extends ExecHooks {
  stdin?: string | Uint8Array;
  /** Aborting kills the child's process tree; the call rejects with AbortError. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

type Resolved = Required<Omit<FozzyOptions, "timeoutMs">> & { timeoutMs: number | undefined };

export class Fozzy extends AnalysisCommands {
  readonly options: Readonly<Resolved>;

  constructor(options: FozzyOptions = {}) {
    super();
    this.options = {
      bin: options.bin ?? "fozzy",
      cwd: options.cwd ?? process.cwd(),
      config: options.config ?? "fozzy.toml",
      log: options.log ?? "info",
      json: options.json ?? true,
      noColor: options.noColor ?? false,
      env: { ...(options.env ?? {}) },
      timeoutMs: options.timeoutMs,
    };
  }

  /** bin + `--config C --log L [--no-color] [--json]` + args. */
  argv(args: readonly string[], forceJson = false): string[] {
    const o = this.options;
    const out = [o.bin, "--config", o.config, "--log", o.log];
    if (o.noColor) out.push("--no-color");
    if (o.json || forceJson) out.push("--json");
    return [...out, ...args];
  }

  private spec(argv: string[], opts: CallOptions): SpawnSpec {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(this.options.env)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const spec: SpawnSpec = { argv, cwd: this.options.cwd, env };
    if (opts.stdin !== undefined) spec.stdin = opts.stdin;
    if (opts.signal !== undefined) spec.signal = opts.signal;
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    if (timeoutMs !== undefined) spec.timeoutMs = timeoutMs;
    return spec;
  }

  /**
   * Collect both streams (trimmed, decoded as UTF-8 across chunk boundaries). Never rejects
   * on a non-zero exit; rejects on spawn failure (err.code "ENOENT", "EACCES", … preserved),
   * abort or timeout.
   */
  exec(args: readonly string[], opts: CallOptions = {}): Promise<ExecResult> {
    return execRun(this.spec(this.argv(args), opts), opts).then((r) => ({
      code: r.code, stdout: r.stdout.trim(), stderr: r.stderr.trim(),
    }));
  }

  /** Output chunks in arrival order; see FozzyStream for the exit code and early stop. */
  stream(args: readonly string[], opts: Omit<CallOptions, keyof ExecHooks> = {}): FozzyStream {
    return new FozzyStream(new Run(this.spec(this.argv(args), opts)));
  }

  /** Any command with --json under the exit-code contract: the document for 0/1/3/4,
   * CommandError for exit 2. */
  override async command<T = unknown>(args: readonly string[], opts: CallOptions = {}): Promise<T> {
    return parseResult<T>(await execRun(this.spec(this.argv(args, true), opts), opts));
  }

  init(opts: InitOptions = {}): Promise<Json> {
    return this.command(["init", ...toFlags(opts, { csv: ["with"] })]);
  }
  usage(): Promise<UsageDoc> { return this.command(["usage"]); }
  version(): Promise<VersionDoc> { return this.command(["version"]); }
  schema(): Promise<SchemaDoc> { return this.command(["schema"]); }
  env(): Promise<Json> { return this.command(["env"]); }
  validate(path: string): Promise<ValidateReport> { return this.command(["validate", path]); }

  run(path: string, opts: RunOptions = {}): Promise<RunSummary> {
    return this.command(["run", path, ...toFlags(opts)]);
  }
  test(opts: TestOptions = {}): Promise<RunSummary> {
    const { scenarios = [], ...rest } = opts;
    return this.command(["test", ...scenarios, ...toFlags(rest)]);
  }
  fuzz(target: string, opts: FuzzOptions = {}): Promise<RunSummary> {
    return this.command(["fuzz", target, ...toFlags(opts, { negatable: ["compareFeedback"] })]);
  }
  explore(path: string, opts: ExploreOptions = {}): Promise<RunSummary> {
    return this.command(["explore", path, ...toFlags(opts, { csv: ["faults", "checker"] })]);
  }
  replay(trace: string, opts: ReplayOptions = {}): Promise<RunSummary> {
    return this.command(["replay", trace, ...toFlags(opts)]);
  }
  shrink(trace: string, opts: ShrinkOptions = {}): Promise<Json> {
    return this.command(["shrink", trace, ...toFlags(opts)]);
  }
  traceVerify(path: string): Promise<TraceVerify> {
    return this.command(["trace", "verify", path]);
  }
  doctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
    return this.command(["doctor", ...toFlags(opts)]);
  }
  ci(trace: string, opts: CiOptions = {}): Promise<CiReport> {
    return this.command(["ci", trace, ...toFlags(opts, { rename: { flakeRuns: "flake-run" } })]);
  }

  corpusList(dir: string): Promise<CorpusList> { return this.command(["corpus", "list", dir]); }
  corpusAdd(dir: string, file: string): Promise<Json> {
    return this.command(["corpus", "add", dir, file]);
  }
  corpusMinimize(dir: string, opts: { target: string; jobs?: number }): Promise<Json> {
    return this.command(["corpus", "minimize", dir, ...toFlags(opts)]);
  }
  corpusExport(dir: string, out: string): Promise<Json> {
    return this.command(["corpus", "export", dir, "--out", out]);
  }
  corpusImport(archive: string, out: string, opts: { maxBytes?: number } = {}): Promise<Json> {
    return this.command(["corpus", "import", archive, "--out", out, ...toFlags(opts)]);
  }

  artifactsLs(sel: string): Promise<ArtifactsList> { return this.command(["artifacts", "ls", sel]); }
  artifactsDiff(left: string, right: string): Promise<ArtifactsDiff> {
    return this.command(["artifacts", "diff", left, right]);
  }
  artifactsExport(sel: string, opts: OutOptions): Promise<ExportDoc> {
    return this.command(["artifacts", "export", sel, ...toFlags(opts)]);
  }
  artifactsPack(sel: string, opts: OutOptions): Promise<ExportDoc> {
    return this.command(["artifacts", "pack", sel, ...toFlags(opts)]);
  }
  artifactsBundle(sel: string, opts: OutOptions & { trustTarget?: boolean }): Promise<ExportDoc> {
    return this.command(["artifacts", "bundle", sel, ...toFlags(opts)]);
  }

  /** format "json" gives the run's summary itself; other formats `{format, content}`. */
  reportShow(sel: string, opts: { format?: Reporter } = {}): Promise<RunSummary | ReportShow> {
    return this.command(["report", "show", sel, ...toFlags(opts)]);
  }
  reportQuery(sel: string, path?: string, opts: { listPaths?: boolean } = {}): Promise<unknown> {
    return this.command(["report", "query", sel, ...toFlags({ path, ...opts })]);
  }
  reportFlaky(runs: string[], opts: { flakeBudget?: number } = {}): Promise<FlakyReport> {
    return this.command(["report", "flaky", ...runs, ...toFlags(opts)]);
  }

  memoryGraph(sel: string, opts: { out?: string } = {}): Promise<Json> {
    return this.command(["memory", "graph", sel, ...toFlags(opts)]);
  }
  memoryDiff(left: string, right: string): Promise<Json> {
    return this.command(["memory", "diff", left, right]);
  }
  memoryTop(sel: string, opts: { limit?: number } = {}): Promise<Json> {
    return this.command(["memory", "top", sel, ...toFlags(opts)]);
  }

  /**
   * Write a builder's scenario only if `fozzy validate` accepts it: the file is validated
   * under a temporary name beside `path` and renamed into place, so an invalid scenario
   * throws CommandError (code "invalid") and leaves nothing behind.
   */
  async writeScenario(
    builder: ScenarioBuilder | DistributedScenarioBuilder, path: string,
  ): Promise<ValidateReport> {
    const dir = mkdtempSync(join(dirname(path), `.${basename(path)}.`));
    const tmp = join(dir, basename(path));
    try {
      builder.write(tmp);
      const report = await this.validate(resolve(tmp));
      renameSync(tmp, path);
      return { ...report, scenario: path };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

