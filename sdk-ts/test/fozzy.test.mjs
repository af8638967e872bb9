// Against the real fozzy (FOZZY_BIN): parity with the CLI's own JSON, the exit-code
// contract, builders through `fozzy validate`, and early stop over a host-process suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CommandError, DistributedScenarioBuilder, Fozzy, ScenarioBuilder, SCHEMA_VERSIONS,
} from "../dist/index.js";
import { FOZZY_BIN, cliJson, marked, tempDir, waitUntil } from "./helpers.mjs";

function setup() {
  const cwd = tempDir();
  return { cwd, fz: new Fozzy({ bin: FOZZY_BIN, cwd }) };
}

test("parity: version, usage, schema match the CLI", async () => {
  const { cwd, fz } = setup();
  assert.deepEqual(await fz.version(), cliJson(cwd, ["version"]));
  assert.deepEqual(await fz.usage(), cliJson(cwd, ["usage"]));
  const schema = await fz.schema();
  assert.deepEqual(schema, cliJson(cwd, ["schema"]));
  assert.equal(schema.schemaVersion, SCHEMA_VERSIONS.SchemaDoc);
});

test("parity: trace verify and report show match the CLI; failing run is a result", async () => {
  const { cwd, fz } = setup();
  await fz.writeScenario(new ScenarioBuilder("fails").assertOk(false, "meant to fail"), join(cwd, "f.fozzy.json"));
  const summary = await fz.run("f.fozzy.json", { det: true, seed: 7, record: "f.fozzy" });
  assert.equal(summary.status, "fail");
  assert.equal(summary.identity.seed, 7);
  assert.ok(summary.findings?.some((f) => f.message.includes("meant to fail")));
  const trace = summary.identity.tracePath;
  assert.deepEqual(await fz.traceVerify(trace), cliJson(cwd, ["trace", "verify", trace]));
  assert.deepEqual(await fz.reportShow(trace, { format: "json" }), cliJson(cwd, ["report", "show", trace, "--format", "json"]));
  const ci = await fz.ci(trace);
  assert.equal(ci.schemaVersion, SCHEMA_VERSIONS.CiReport);
});

test("exit 2 throws CommandError with the parsed envelope", async () => {
  const { fz } = setup();
  await assert.rejects(fz.run("missing.fozzy.json"), (err) => {
    assert.ok(err instanceof CommandError);
    assert.equal(err.exitCode, 2);
    assert.equal(err.code, "io_error");
    assert.equal(err.document.message, err.detail);
    assert.match(err.detail, /missing\.fozzy\.json/);
    return true;
  });
});

test("dask reaches the commands that run many items: a malformed address is exit 2", async () => {
  const { fz } = setup();
  for (const call of [
    () => fz.test({ dask: "nope nope" }),
    () => fz.shrink("t.fozzy", { dask: "nope nope" }),
    () => fz.doctor({ deep: true, dask: "nope nope" }),
  ]) {
    await assert.rejects(call(), (err) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.exitCode, 2);
      assert.match(err.detail, /--dask 'nope nope'/);
      return true;
    });
  }
});

test("builders round-trip through fozzy validate; invalid ones write nothing", async () => {
  const { cwd, fz } = setup();
  const steps = new ScenarioBuilder("built", "from the TS SDK")
    .traceEvent("setup", { k: 1 }).setKv("a", "1").getKvAssert("a", "1").assertOk(true)
    .step({ type: "sleep", duration: "5ms" });
  const dist = new DistributedScenarioBuilder("cluster").withNodes(["a", "b"]).withNodeCount(2)
    .step({ type: "client_put", node: "n0", key: "k", value: "v" })
    .invariant({ type: "kv_all_equal", key: "k" });
  for (const [builder, variant] of [[steps, "steps"], [dist, "distributed"]]) {
    const path = join(cwd, `${variant}.fozzy.json`);
    const report = await fz.writeScenario(builder, path);
    assert.equal(report.ok, true);
    assert.equal(report.variant, variant);
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), builder.toJSON());
  }
  assert.equal("nodes" in dist.toJSON().distributed, false);
  const bad = join(cwd, "bad.fozzy.json");
  await assert.rejects(
    fz.writeScenario(new ScenarioBuilder("bad").step({ type: "set_kv", key: "a", valu: "1" }), bad),
    (err) => err instanceof CommandError && err.code === "invalid" && /steps\/0/.test(err.detail),
  );
  assert.equal(existsSync(bad), false);
});

async function sleepySuite(fz, cwd, tag) {
  for (let i = 0; i < 3; i++) {
    await fz.writeScenario(
      new ScenarioBuilder(`sleepy-${i}`).step({
        type: "proc_spawn", cmd: process.execPath, args: ["-e", "setTimeout(() => {}, 300000)", tag], expect_exit: 0,
      }),
      join(cwd, `sleepy-${i}.fozzy.json`),
    );
  }
  return ["--proc-backend", "host", "test", "*.fozzy.json", "--timeout", "10m"];
}

test("breaking out of a stream over a long host-process suite leaves no process behind", async () => {
  const { cwd, fz } = setup();
  const tag = `fozzy-sdk-ts-suite-break-${process.pid}`;
  const args = await sleepySuite(fz, cwd, tag);
  // --log debug makes fozzy say something on stderr while the suite runs.
  const chatty = new Fozzy({ bin: FOZZY_BIN, cwd, log: "debug" });
  for await (const _ of chatty.stream(args)) {
    assert.ok(await waitUntil(() => marked(tag).length >= 1), "the suite started its processes");
    break;
  }
  assert.ok(await waitUntil(() => marked(tag).length === 0), String(marked(tag)));
});

test("aborting a stream over a long host-process suite leaves no process behind", async () => {
  const { cwd, fz } = setup();
  const tag = `fozzy-sdk-ts-suite-abort-${process.pid}`;
  const args = await sleepySuite(fz, cwd, tag);
  const ac = new AbortController();
  const consumed = (async () => {
    for await (const _ of fz.stream(args, { signal: ac.signal })) { /* drain */ }
  })();
  assert.ok(await waitUntil(() => marked(tag).length >= 1), "the suite started its processes");
  ac.abort();
  await assert.rejects(consumed, (err) => err.name === "AbortError");
  assert.ok(await waitUntil(() => marked(tag).length === 0), String(marked(tag)));
});

test("exit code at the end of a stream over real fozzy", async () => {
  const { fz } = setup();
  const stream = fz.stream(["version"]);
  let out = "";
  for await (const ev of stream) out += ev.chunk;
  assert.equal(stream.code, 0);
  assert.deepEqual(JSON.parse(out), await fz.version());
});
