// exec and stream over one Run: the two core primitives of the reference SDK (§8.2).

import { Run, type ExecResult, type SpawnSpec, type StreamEvent } from "./process.js";

export interface StreamEnd {
  code: number;
}

const collector = new FinalizationRegistry<Run>((run) => run.kill());

/**
 * `for await (const { source, chunk } of stream)`, in arrival order. `code` holds the exit
 * status once the iteration ended (it is also the generator's return value). Breaking out,
 * `return()`, an exception in the loop body, the AbortSignal, the timeout, or the stream
 * being garbage-collected kill the child and its process tree.
 */
export class FozzyStream implements AsyncGenerator<StreamEvent, StreamEnd, undefined> {
  code: number | null = null;
  private readonly gen: AsyncGenerator<StreamEvent, StreamEnd, undefined>;

  constructor(run: Run) {
    this.gen = this.iterate(run);
    collector.register(this, run);
  }

  private async *iterate(run: Run): AsyncGenerator<StreamEvent, StreamEnd, undefined> {
    run.start();
    try {
      for (;;) {
        const item = await run.next();
        if (item.kind === "chunk") yield item.event;
        else if (item.kind === "end") {
          this.code = item.code;
          return { code: item.code };
        } else throw item.error;
      }
    } finally {
      run.abandon();
    }
  }

  next(): Promise<IteratorResult<StreamEvent, StreamEnd>> {
    return this.gen.next();
  }

  return(value: StreamEnd | PromiseLike<StreamEnd>): Promise<IteratorResult<StreamEvent, StreamEnd>> {
    return this.gen.return(value);
  }

  throw(err: unknown): Promise<IteratorResult<StreamEvent, StreamEnd>> {
    return this.gen.throw(err);
  }

  [Symbol.asyncIterator](): FozzyStream {
    return this;
  }
}

export interface ExecHooks {
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

/** Run to the end; rejects only for spawn failures, abort and timeout (never on exit code). */
export async function execRun(spec: SpawnSpec, hooks: ExecHooks = {}): Promise<ExecResult> {
  const run = new Run(spec);
  const out: Record<"stdout" | "stderr", string[]> = { stdout: [], stderr: [] };
  run.start();
  try {
    for (;;) {
      const item = await run.next();
      if (item.kind === "chunk") {
        out[item.event.source].push(item.event.chunk);
        (item.event.source === "stdout" ? hooks.onStdout : hooks.onStderr)?.(item.event.chunk);
      } else if (item.kind === "end") {
        return { code: item.code, stdout: out.stdout.join(""), stderr: out.stderr.join("") };
      } else throw item.error;
    }
  } finally {
    run.abandon();
  }
}
