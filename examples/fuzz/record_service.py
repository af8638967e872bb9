"""A small record-ingest HTTP service with a planted bug, for scenario fuzzing with host HTTP.

    python examples/fuzz/record_service.py --port 8765

POST /v1/records takes a body `v=<version>;data=<payload>`. Version 1 records are stored as
they are. Version 2 records honour the `x-rec-flags` header; with `compress`, a payload that
starts with the compressed-frame magic `FZ!7` goes to the decompressor — which has the bug.
The frame after the magic starts with a 4-hex-digit size, and the decompressor trusts it
without checking — any other frame crashes it. So the failure needs two earlier conditions
(version 2, the `compress` flag) and a specific 4-byte value in a specific place. Each
condition answers differently, which is what lets a coverage-guided campaign build on partial
progress.
"""

from __future__ import annotations

import argparse
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORD = re.compile(r"^v=(\d+);data=(.*)$", re.DOTALL)
MAGIC = "FZ!7"


def handle(body: str, flags: str) -> tuple[int, str]:
    m = RECORD.match(body)
    if m is None:
        return 400, "malformed record"
    version, data = int(m.group(1)), m.group(2)
    if version == 1:
        return 200, "stored v1"
    if version != 2:
        return 422, "unsupported version"
    if flags.strip() != "compress":
        return 200, "stored v2"
    if not data.startswith(MAGIC):
        return 200, "stored v2 uncompressed"
    frame = data[len(MAGIC):]
    size = int(frame[:4], 16)  # planted bug: a malformed size raises instead of answering 400
    return 200, f"stored v2 compressed ({size} bytes)"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode(errors="replace")
        try:
            status, text = handle(body, self.headers.get("x-rec-flags", ""))
        except Exception as e:  # the service's crash, reported the way a real server would
            status, text = 500, f"internal error: {type(e).__name__}"
        payload = text.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


def serve(port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8765)
    server = serve(ap.parse_args().port)
    server.serve_forever()


if __name__ == "__main__":
    main()
