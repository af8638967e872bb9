// Shared helpers: the real fozzy (FOZZY_BIN), temp dirs, and finding marked processes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const FOZZY_BIN = process.env.FOZZY_BIN ?? "fozzy";

export function tempDir() {
  return mkdtempSync(join(tmpdir(), "fozzy-sdk-ts-"));
}

/** What the CLI itself prints for `args` under --json (the parity reference). */
export function cliJson(cwd, args) {
  let stdout;
  try {
    stdout = execFileSync(FOZZY_BIN, ["--config", "fozzy.toml", "--log", "info", "--json", ...args], {
      cwd, encoding: "utf8", maxBuffer: 64 << 20,
    });
  } catch (err) {
    stdout = err.stdout;
  }
  return JSON.parse(stdout);
}

/** Live (non-zombie) processes whose argv contains `tag` (Linux /proc). */
export function marked(tag) {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (argv.includes(tag) && state !== "Z") out.push(Number(name));
    } catch {
      continue;
    }
  }
  return out;
}

/** Poll `check` until true or the bounded wait ends (never a timing assertion). */
export async function waitUntil(check, seconds = 30) {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A stand-in `bin` that ignores fozzy's global flags and runs the JS given last. */
export function program(dir) {
  const path = join(dir, "prog.mjs");
  writeFileSync(path, `#!${process.execPath}\nconst code = process.argv[process.argv.length - 1];\nawait (async () => {}).constructor(code)();\n`);
  chmodSync(path, 0o755);
  return path;
}
