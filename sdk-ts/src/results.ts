// The exit-code contract: 0/1/3/4 are outcomes whose stdout document is the result; exit 2
// (or any other code) is a refusal and throws CommandError with the parsed documents.

import { CommandError, ProtocolError } from "./errors.js";
import type { ExecResult } from "./process.js";

export const DOMAIN_EXIT_CODES: ReadonlySet<number> = new Set([0, 1, 3, 4]);

/**
 * Every JSON document on stdout, in order: one document, or several objects printed one
 * after another (a strict-mode rejection prints the summary, then the error envelope).
 */
export function documents(stdout: string): unknown[] {
  const text = stdout.trim();
  if (text === "") return [];
  try {
    return [JSON.parse(text)];
  } catch {
    // several documents: split them below
  }
  const docs: unknown[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "{" || c === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new SyntaxError(`unexpected ${JSON.stringify(c)} between JSON documents`);
    }
  }
  if (depth !== 0 || inString) throw new SyntaxError("truncated JSON document");
  return docs;
}

function errorFields(doc: unknown, stderr: string): [string, string, string] {
  if (doc && typeof doc === "object" && !Array.isArray(doc)) {
    const d = doc as Record<string, unknown>;
    if ("ok" in d && "error" in d) return ["error", "invalid", String(d.error)];
    if ("message" in d) return [String(d.status ?? "error"), String(d.code ?? "error"), String(d.message)];
  }
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  return ["error", "error", lines[lines.length - 1] ?? "no error message"];
}

export function commandError(result: ExecResult): CommandError {
  let docs: unknown[] = [];
  try {
    docs = documents(result.stdout);
  } catch {
    docs = [];
  }
  const last = docs[docs.length - 1];
  const [status, code, message] = errorFields(last, result.stderr);
  const document =
    last && typeof last === "object" && !Array.isArray(last) ? (last as Record<string, unknown>) : null;
  return new CommandError({
    exitCode: result.code, status, code, message, document, documents: docs, stderr: result.stderr,
  });
}

export function parseResult<T>(result: ExecResult): T {
  if (!DOMAIN_EXIT_CODES.has(result.code)) throw commandError(result);
  let docs: unknown[];
  try {
    docs = documents(result.stdout);
  } catch (err) {
    throw new ProtocolError(
      `fozzy exited ${result.code} but stdout is not JSON: ${(err as Error).message}`,
      result.stdout, result.stderr,
    );
  }
  if (docs.length !== 1) {
    throw new ProtocolError(
      `fozzy exited ${result.code} with ${docs.length} JSON documents, expected one`,
      result.stdout, result.stderr,
    );
  }
  return docs[0] as T;
}
