// The methods of the commands that landed after the first SDK (profile, map, gate, full) and
// the flags added since (profileCapture, workerMemMb, compareFeedback, profileCpu): the argv
// each builds, seen by a stand-in bin that echoes it, and results against the real fozzy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CommandError, Fozzy, ScenarioBuilder } from "../dist/index.js";
import { FOZZY_BIN, cliJson, tempDir } from "./helpers.mjs";

/** A client whose bin prints `{argv}` (without the global flags) and exits 0. */
function echo() {
  const cwd = tempDir();
  const bin = join(cwd, "echo.mjs");
  writeFileSync(bin, `#!${process.execPath}\nconsole.log(JSON.stringify({ argv: process.argv.slice(7) }));\n`);
  chmodSync(bin, 0o755);
  return new Fozzy({ bin, cwd });
}

const argv = async (call) => (await call).argv;

test("new flags of existing commands build their argv", async () => {
  const fz = echo();
  assert.deepEqual(await argv(fz.test({ scenarios: ["a.fozzy.json"], profileCapture: "full" })),
    ["test", "a.fozzy.json", "--profile-capture", "full"]);
  assert.deepEqual(await argv(fz.run("a.fozzy.json", { workerMemMb: 64, profileCapture: "full" })),
    ["run", "a.fozzy.json", "--worker-mem-mb", "64", "--profile-capture", "full"]);
  assert.deepEqual(await argv(fz.replay("a.fozzy", { profileCapture: "baseline" })),
    ["replay", "a.fozzy", "--profile-capture", "baseline"]);
  assert.deepEqual(await argv(fz.fuzz("fn:t:f", { compareFeedback: false, profileCpu: true })),
    ["fuzz", "fn:t:f", "--no-compare-feedback", "--profile-cpu"]);
  assert.deepEqual(await argv(fz.fuzz("fn:t:f", { compareFeedback: true })),
    ["fuzz", "fn:t:f", "--compare-feedback"]);
});

test("profile, map, gate and full build their argv", async () => {
  const fz = echo();
  const cases = [
    [fz.profileTop("latest", { cpu: true, sched: true, limit: 3 }),
      ["profile", "top", "latest", "--cpu", "--sched", "--limit", "3"]],
    [fz.profileFlame("t.fozzy", { heap: true, format: "svg", out: "f.svg" }),
      ["profile", "flame", "t.fozzy", "--heap", "--format", "svg", "--out", "f.svg"]],
    [fz.profileTimeline("t.fozzy", { format: "html" }), ["profile", "timeline", "t.fozzy", "--format", "html"]],
    [fz.profileDiff("a,b", "c", { latency: true }), ["profile", "diff", "a,b", "c", "--latency"]],
    [fz.profileExplain("c", { diffWith: "a,b" }), ["profile", "explain", "c", "--diff-with", "a,b"]],
    [fz.profileExport("t.fozzy", { format: "pprof", out: "p.pb.gz", cpu: true }),
      ["profile", "export", "t.fozzy", "--format", "pprof", "--out", "p.pb.gz", "--cpu"]],
    [fz.profileShrink("t.fozzy", { metric: "cpu_time_ms", above: 1.5, budget: "5s", jobs: 2 }),
      ["profile", "shrink", "t.fozzy", "--metric", "cpu_time_ms", "--above", "1.5", "--budget", "5s", "--jobs", "2"]],
    [fz.profileEnv(), ["profile", "env"]],
    [fz.profileDoctor("latest"), ["profile", "doctor", "latest"]],
    [fz.mapHotspots({ root: "src", minRisk: 40, limit: 5 }),
      ["map", "hotspots", "--root", "src", "--min-risk", "40", "--limit", "5"]],
    [fz.mapServices({ scenarioRoot: "tests" }), ["map", "services", "--scenario-root", "tests"]],
    [fz.mapSuites({ profile: "balanced", shrinkPolicy: "exercised-ok", all: true, onlyUncovered: true, maxMatchedScenarios: 3 }),
      ["map", "suites", "--profile", "balanced", "--shrink-policy", "exercised-ok", "--all", "--only-uncovered", "--max-matched-scenarios", "3"]],
    [fz.gate({ scope: ["kv", "net"], seed: "0x10", skipSteps: ["clean_tree"], stepTimeout: "9s" }),
      ["gate", "--scope", "kv,net", "--seed", "0x10", "--skip-steps", "clean_tree", "--step-timeout", "9s"]],
    [fz.full({ fuzzTime: "1s", allowExpectedFailures: true, requiredSteps: ["a", "b"], requireTopologyCoverage: ".", topologyProfile: "overkill" }),
      ["full", "--fuzz-time", "1s", "--allow-expected-failures", "--required-steps", "a,b", "--require-topology-coverage", ".", "--topology-profile", "overkill"]],
  ];
  for (const [call, expected] of cases) assert.deepEqual(await argv(call), expected);
});

async function traced() {
  const cwd = tempDir();
  const fz = new Fozzy({ bin: FOZZY_BIN, cwd });
  await fz.writeScenario(new ScenarioBuilder("kv").setKv("a", "1").step({ type: "sleep", duration: "5ms" })
    .getKvAssert("a", "1"), join(cwd, "kv.fozzy.json"));
  const summary = await fz.run("kv.fozzy.json", { det: true, record: "kv.fozzy", profileCapture: "full" });
  assert.equal(summary.status, "pass");
  return { cwd, fz, trace: summary.identity.tracePath };
}

test("parity: profile top and diff match the CLI; export writes and returns its summary", async () => {
  const { cwd, fz, trace } = await traced();
  const top = await fz.profileTop(trace, { cpu: true, limit: 2 });
  assert.deepEqual(top, cliJson(cwd, ["profile", "top", trace, "--cpu", "--limit", "2"]));
  assert.deepEqual(top.domains, ["cpu"]);
  const diff = await fz.profileDiff(trace, trace);
  assert.deepEqual(diff, cliJson(cwd, ["profile", "diff", trace, trace]));
  assert.equal(diff.summary.verdict, "stable");
  const exported = await fz.profileExport(trace, { format: "speedscope", out: "p.json", cpu: true });
  assert.equal(exported.out, join(cwd, "p.json"));
  assert.equal(exported.bytes, statSync(join(cwd, "p.json")).size);
  await assert.rejects(fz.profileFlame(trace, { cpu: true, heap: true }),
    (err) => err instanceof CommandError && err.exitCode === 2 && /pick one domain/.test(err.detail));
});

test("parity: map suites matches the CLI; gate returns its report", async () => {
  const cwd = tempDir();
  const fz = new Fozzy({ bin: FOZZY_BIN, cwd });
  mkdirSync(join(cwd, "src"));
  writeFileSync(join(cwd, "src", "server.py"),
    "import threading, subprocess\n\ndef main():\n    threading.Thread(target=serve).start()\n\n"
    + "def serve():\n    for i in range(3):\n        if i:\n            subprocess.run(['ls'], timeout=5)\n");
  mkdirSync(join(cwd, "tests"));
  await fz.writeScenario(new ScenarioBuilder("server").setKv("a", "1").getKvAssert("a", "1"),
    join(cwd, "tests", "server.fozzy.json"));
  const suites = await fz.mapSuites({ minRisk: 0, all: true });
  assert.deepEqual(suites, cliJson(cwd, ["map", "suites", "--min-risk", "0", "--all"]));
  assert.equal(suites.scenarioCount, 1);
  const gate = await fz.gate({ scenarioRoot: "tests", doctorRuns: 2, skipSteps: ["clean_tree"] });
  assert.equal(gate.schemaVersion, "fozzy.gate_report.v1");
  assert.equal(gate.status, "pass", JSON.stringify(gate.steps));
  assert.deepEqual(gate.matchedScenarios, ["tests/server.fozzy.json"]);
  const status = Object.fromEntries(gate.steps.map((s) => [s.name, s.status]));
  assert.equal(status.clean_tree, "skipped");
  assert.equal(status.profile_top, "passed");
});
