// The SDK's errors. Spawn failures are the Node error itself (err.code "ENOENT", "EACCES",
// err.errno, err.syscall, err.path preserved), so they are caught like any child_process error.

/** Base class of the errors the SDK raises on purpose. */
export class FozzyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * fozzy refused the command: exit 2, or an exit code outside the documented 0-4.
 * `status`, `code` and `message` come from the `{"status","code","message"}` envelope
 * (`validate`'s `{ok:false, error}` maps to code "invalid"); `document` is the last JSON
 * document on stdout and `documents` all of them.
 */
export class CommandError extends FozzyError {
  readonly exitCode: number;
  readonly status: string;
  readonly code: string;
  readonly detail: string;
  readonly document: Record<string, unknown> | null;
  readonly documents: unknown[];
  readonly stderr: string;

  constructor(init: {
    exitCode: number;
    status: string;
    code: string;
    message: string;
    document: Record<string, unknown> | null;
    documents: unknown[];
    stderr: string;
  }) {
    super(`fozzy exited ${init.exitCode}: ${init.message}`);
    this.exitCode = init.exitCode;
    this.status = init.status;
    this.code = init.code;
    this.detail = init.message;
    this.document = init.document;
    this.documents = init.documents;
    this.stderr = init.stderr;
  }
}

/** A domain exit code whose stdout is not exactly one JSON document. */
export class ProtocolError extends FozzyError {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The call's timeout was spent; the child's process tree was killed. */
export class FozzyTimeoutError extends FozzyError {
  readonly code = "ETIMEDOUT";
}

/** The call's AbortSignal fired; the child's process tree was killed. */
export class AbortError extends Error {
  readonly code = "ABORT_ERR";
  constructor(readonly reason?: unknown) {
    super("the fozzy call was aborted");
    this.name = "AbortError";
  }
}
