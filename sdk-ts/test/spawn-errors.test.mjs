// Spawn failures (ENOENT, EACCES) reject exec and typed methods and are re-thrown from
// stream with err.code preserved, with and without stdin, and never crash the host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { Fozzy } from "../dist/index.js";
import { tempDir } from "./helpers.mjs";

function cases() {
  const dir = tempDir();
  const plain = join(dir, "not-executable");
  writeFileSync(plain, "#!/bin/sh\necho hi\n");
  chmodSync(plain, 0o644);
  return [
    [join(dir, "missing-fozzy"), "ENOENT"],
    [plain, "EACCES"],
  ];
}

for (const stdin of [undefined, "some input"]) {
  for (const [bin, code] of cases()) {
    const label = `${code} ${stdin === undefined ? "without" : "with"} stdin`;
    test(`exec rejects: ${label}`, async () => {
      await assert.rejects(new Fozzy({ bin }).exec(["version"], { stdin }), (err) => err.code === code);
    });
    test(`stream re-throws: ${label}`, async () => {
      let caught;
      try {
        for await (const _ of new Fozzy({ bin }).stream(["version"], { stdin })) {
          assert.fail("no output expected");
        }
      } catch (err) {
        caught = err;
      }
      assert.equal(caught?.code, code);
    });
    test(`typed method rejects: ${label}`, async () => {
      await assert.rejects(new Fozzy({ bin }).version(), (err) => err.code === code && err.syscall?.startsWith("spawn"));
    });
  }
}

test("the host survives a burst of failing spawns", async () => {
  const [[missing]] = cases();
  const fz = new Fozzy({ bin: missing });
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? fz.exec(["x"], { stdin: "y".repeat(1 << 16) }) : fz.version())),
  );
  assert.ok(results.every((r) => r.status === "rejected" && r.reason.code === "ENOENT"));
});
