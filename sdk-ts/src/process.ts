// Spawning fozzy, reading it in arrival order, and killing its whole process tree.
//
// The child is started detached (its own session and process group on POSIX), so one
// process.kill(-pid) reaches everything that stayed in its group; on Linux the /proc table
// adds descendants that moved to a session of their own. The group is stopped before the
// descendants are listed, so nothing forks past the kill. Spawn failures are never left as
// an unhandled 'error' event: they reject exec and are re-thrown from stream.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { AbortError, FozzyTimeoutError } from "./errors.js";

export type Source = "stdout" | "stderr";

export interface StreamEvent {
  source: Source;
  chunk: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SpawnSpec {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin?: string | Uint8Array;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13,
  SIGALRM: 14, SIGTERM: 15,
};

/** A signal death as the shell's 128+N, like fozzy's own exits (unknown signals: 128+1). */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? SIGNAL_NUMBERS[signal] ?? 1 : 1);
}

function parentTable(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return children;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      continue;
    }
  }
  return children;
}

/** Every live descendant of `pid` (Linux /proc; empty elsewhere). */
export function descendants(pid: number): number[] {
  const table = parentTable();
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    for (const child of table.get(todo.pop() as number) ?? []) {
      out.push(child);
      todo.push(child);
    }
  }
  return out;
}

function signalQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGKILL the session leader `pid`, its process group and every descendant it has. */
export function killTree(pid: number): void {
  const first = descendants(pid);
  signalQuietly(-pid, "SIGSTOP");
  for (const p of first) signalQuietly(p, "SIGSTOP");
  const everyone = new Set([...first, ...descendants(pid)]);
  signalQuietly(-pid, "SIGKILL");
  for (const p of everyone) signalQuietly(p, "SIGKILL");
  for (const p of everyone) signalQuietly(p, "SIGCONT");
}

type Item =
  | { kind: "chunk"; event: StreamEvent }
  | { kind: "end"; code: number }
  | { kind: "error"; error: Error };

/**
 * One running fozzy. Chunks are queued in arrival order; the iteration ends with the exit
 * status, or throws the spawn error / AbortError / timeout error after the queued chunks.
 */
export class Run {
  readonly queue: Item[] = [];
  private wake: (() => void) | null = null;
  private child: ChildProcessWithoutNullStreams | null = null;
  private exited = false;
  private ended = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly onAbort = (): void => this.fail(new AbortError(this.spec.signal?.reason));

  constructor(private readonly spec: SpawnSpec) {}

  start(): void {
    const { argv, cwd, env, stdin, signal, timeoutMs } = this.spec;
    if (signal?.aborted) {
      this.push({ kind: "error", error: new AbortError(signal.reason) });
      return;
    }
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true, shell: false,
      });
    } catch (err) {
      this.push({ kind: "error", error: err as Error });
      return;
    }
    this.child = child;
    let open = 2;
    let exitCode: number | null = null;
    const finish = (): void => {
      if (open === 0 && exitCode !== null) this.push({ kind: "end", code: exitCode });
    };
    for (const source of ["stdout", "stderr"] as const) {
      const decoder = new TextDecoder("utf-8");
      const pipe = child[source];
      pipe.on("data", (data: Buffer) => {
        const chunk = decoder.decode(data, { stream: true });
        if (chunk) this.push({ kind: "chunk", event: { source, chunk } });
      });
      pipe.on("error", () => undefined);
      pipe.on("close", () => {
        const tail = decoder.decode();
        if (tail) this.push({ kind: "chunk", event: { source, chunk: tail } });
        open -= 1;
        finish();
      });
    }
    child.stdin.on("error", () => undefined); // EPIPE when the child is gone or never started
    child.on("error", (err) => this.push({ kind: "error", error: err }));
    child.on("exit", (code, sig) => {
      this.exited = true;
      exitCode = exitStatus(code, sig);
      finish();
    });
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
    signal?.addEventListener("abort", this.onAbort, { once: true });
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(
        () => this.fail(new FozzyTimeoutError(`fozzy did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private push(item: Item): void {
    if (this.ended) return;
    if (item.kind !== "chunk") this.settle();
    this.queue.push(item);
    this.wake?.();
    this.wake = null;
  }

  private settle(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.spec.signal?.removeEventListener("abort", this.onAbort);
  }

  private fail(error: Error): void {
    this.kill();
    this.push({ kind: "error", error });
  }

  /**
   * Kill the process tree if the child still runs. Once the leader has exited (and been
   * reaped) its pid may be reused, so only its process group — which cannot be reused
   * while a member lives — is signalled, and only while its pipes are still open. Idempotent.
   */
  kill(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    if (!this.exited) killTree(pid);
    else if (!this.ended) signalQuietly(-pid, "SIGKILL");
  }

  /** Stop listening (the consumer left early) and kill what still runs. */
  abandon(): void {
    this.kill();
    this.settle();
  }

  async next(): Promise<Item> {
    while (this.queue.length === 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return this.queue.shift() as Item;
  }
}
