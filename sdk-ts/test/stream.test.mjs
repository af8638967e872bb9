// stream/exec semantics on small real programs: arrival order, UTF-8 across chunks, exit
// code at the end, stdin, AbortSignal and timeouts kill the child.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Fozzy, AbortError, FozzyTimeoutError, parseDocuments } from "../dist/index.js";
import { marked, program, tempDir, waitUntil } from "./helpers.mjs";

const prog = program(tempDir());

test("UTF-8 split across chunks decodes whole, exit code at the end", async () => {
  const code = `
    const data = Buffer.from("é€😀");
    for (let i = 0; i < data.length; i++) {
      process.stdout.write(data.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, 10));
    }
    process.stderr.write("err");
    await new Promise((r) => process.stderr.write("", r));
    process.exitCode = 3;`;
  const stream = new Fozzy({ bin: prog }).stream([code]);
  const events = [];
  for await (const ev of stream) events.push(ev);
  const out = events.filter((e) => e.source === "stdout").map((e) => e.chunk).join("");
  assert.equal(out, "é€😀");
  assert.ok(events.length > 2, "several chunks arrived");
  assert.ok(!events.some((e) => e.chunk.includes("\ufffd")));
  assert.deepEqual(events.at(-1), { source: "stderr", chunk: "err" });
  assert.equal(stream.code, 3);
});

test("exec feeds stdin, trims output, reports the exit code", async () => {
  const data = "x".repeat(4 << 20);
  const code = `
    let n = 0; for await (const c of process.stdin) n += c.length;
    process.stdout.write(" " + n + "\\n"); process.exitCode = 1;`;
  const r = await new Fozzy({ bin: prog }).exec([code], { stdin: data });
  assert.deepEqual(r, { code: 1, stdout: String(data.length), stderr: "" });
});

test("a signal death is 128+N", async () => {
  const r = await new Fozzy({ bin: prog }).exec([`process.kill(process.pid, "SIGTERM")`]);
  assert.equal(r.code, 143);
});

function sleeper(tag) {
  return `
    const { spawn } = await import("node:child_process");
    spawn(process.execPath, ["-e", "setTimeout(() => {}, 300000)", "${tag}"], { detached: true, stdio: "ignore" });
    spawn(process.execPath, ["-e", "setTimeout(() => {}, 300000)", "${tag}"], { stdio: "ignore" });
    console.log("ready");
    setTimeout(() => {}, 300000);`;
}

test("breaking out of a stream kills the tree, setsid children included", async () => {
  const tag = `fozzy-sdk-ts-${process.pid}-${Date.now()}`;
  for await (const ev of new Fozzy({ bin: prog }).stream([tag, sleeper(tag)])) {
    assert.equal(ev.chunk, "ready\n");
    assert.ok(await waitUntil(() => marked(tag).length === 3));
    break;
  }
  assert.ok(await waitUntil(() => marked(tag).length === 0), String(marked(tag)));
});

test("an AbortSignal rejects exec and ends a stream, killing the tree", async () => {
  for (const how of ["exec", "stream"]) {
    const tag = `fozzy-sdk-ts-${how}-${process.pid}-${Date.now()}`;
    const ac = new AbortController();
    const fz = new Fozzy({ bin: prog });
    const started = waitUntil(() => marked(tag).length === 3).then(() => ac.abort());
    if (how === "exec") {
      await assert.rejects(fz.exec([tag, sleeper(tag)], { signal: ac.signal }), AbortError);
    } else {
      await assert.rejects(async () => {
        for await (const _ of fz.stream([tag, sleeper(tag)], { signal: ac.signal })) { /* drain */ }
      }, (err) => err.name === "AbortError");
    }
    await started;
    assert.ok(await waitUntil(() => marked(tag).length === 0), String(marked(tag)));
  }
});

test("a spent timeout rejects and kills", async () => {
  await assert.rejects(
    new Fozzy({ bin: prog, timeoutMs: 300 }).exec(["setTimeout(() => {}, 60000)"]),
    FozzyTimeoutError,
  );
});

test("concatenated documents split", () => {
  assert.deepEqual(parseDocuments('{"a": "}"}\n[1, {"b": 2}]\n'), [{ a: "}" }, [1, { b: 2 }]]);
  assert.deepEqual(parseDocuments('"pass"\n'), ["pass"]);
  assert.throws(() => parseDocuments('{"a": 1} x'));
});
