// Scenario builders (§8.4). Field names are the step registry's (`fozzy schema` lists them);
// the builders add none of their own, so `fozzy validate` (or `Fozzy.validate`) checks the
// written file with the same strict rules `fozzy run` applies.

import { writeFileSync, renameSync, unlinkSync } from "node:fs";
import { dirname, basename, join } from "node:path";

export type StepObject = { type: string } & Record<string, unknown>;

export interface StepsScenario {
  version: 1;
  name: string;
  note?: string;
  steps: StepObject[];
}

export interface DistributedScenario {
  version: 1;
  name: string;
  note?: string;
  distributed: {
    nodes?: string[];
    node_count?: number;
    steps: StepObject[];
    invariants: StepObject[];
  };
}

/** 2-space UTF-8 JSON, written to a temp file and renamed: never a partial scenario. */
function writeAtomic(path: string, doc: unknown): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(doc, null, 2) + "\n", { encoding: "utf8", flag: "wx" });
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw err;
  }
}

export class ScenarioBuilder {
  private readonly steps: StepObject[] = [];

  constructor(
    readonly name: string,
    readonly note?: string,
  ) {}

  step(obj: StepObject): this {
    this.steps.push({ ...obj });
    return this;
  }

  traceEvent(name: string, fields?: Record<string, unknown>): this {
    return this.step(fields === undefined ? { type: "trace_event", name } : { type: "trace_event", name, fields });
  }

  assertOk(value: boolean, msg?: string): this {
    return this.step(msg === undefined ? { type: "assert_ok", value } : { type: "assert_ok", value, msg });
  }

  setKv(key: string, value: string): this {
    return this.step({ type: "set_kv", key, value });
  }

  getKvAssert(key: string, equals?: string): this {
    return this.step(equals === undefined ? { type: "get_kv_assert", key } : { type: "get_kv_assert", key, equals });
  }

  toJSON(): StepsScenario {
    const doc: StepsScenario = { version: 1, name: this.name, steps: this.steps.map((s) => ({ ...s })) };
    if (this.note !== undefined) return { version: 1, name: this.name, note: this.note, steps: doc.steps };
    return doc;
  }

  write(path: string): void {
    writeAtomic(path, this.toJSON());
  }
}

export class DistributedScenarioBuilder {
  private nodes: string[] | undefined;
  private nodeCount: number | undefined;
  private readonly steps: StepObject[] = [];
  private readonly invariants: StepObject[] = [];

  constructor(
    readonly name: string,
    readonly note?: string,
  ) {}

  /** Name the nodes; replaces an earlier withNodeCount (last call wins). */
  withNodes(nodes: string[]): this {
    this.nodes = [...nodes];
    this.nodeCount = undefined;
    return this;
  }

  /** Nodes n0..n{count-1}; replaces an earlier withNodes (last call wins). */
  withNodeCount(count: number): this {
    this.nodeCount = count;
    this.nodes = undefined;
    return this;
  }

  step(obj: StepObject): this {
    this.steps.push({ ...obj });
    return this;
  }

  invariant(obj: StepObject): this {
    this.invariants.push({ ...obj });
    return this;
  }

  toJSON(): DistributedScenario {
    const distributed: DistributedScenario["distributed"] = {
      ...(this.nodes !== undefined ? { nodes: [...this.nodes] } : {}),
      ...(this.nodeCount !== undefined ? { node_count: this.nodeCount } : {}),
      steps: this.steps.map((s) => ({ ...s })),
      invariants: this.invariants.map((i) => ({ ...i })),
    };
    return {
      version: 1,
      name: this.name,
      ...(this.note !== undefined ? { note: this.note } : {}),
      distributed,
    };
  }

  write(path: string): void {
    writeAtomic(path, this.toJSON());
  }
}
