"""What `fozzy init` writes: starter scenarios, the guide and template extras.

Placement is the contract here (spec Appendix A.1): `fozzy init && fozzy test` must be green,
so only starters that `fozzy test` can run under its defaults (scripted/virtual backends, no
distributed files) live where default discovery (`tests/**/*.fozzy.json`) looks. The
distributed starter lives in `explore/` and the host starter in `host/`, and the guide tells
how to run each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

INIT_TYPES = ("run", "fuzz", "explore", "memory", "host")
TEMPLATES = ("minimal", "rust", "ts")

EXAMPLE_PATH = "tests/example.fozzy.json"
RUN_PASS_PATH = "tests/run.pass.fozzy.json"
MEMORY_PATH = "tests/memory.pass.fozzy.json"
DISTRIBUTED_PATH = "explore/distributed.pass.fozzy.json"
HOST_PATH = "host/host.pass.fozzy.json"
GUIDE_PATH = "tests/INIT_GUIDE.md"
FUZZ_TARGET_PATH = "fuzz/kv_target.py"
FUZZ_TARGET = f"fn:{FUZZ_TARGET_PATH}:check"
FUZZ_CORPUS = "corpora/fn-kv"  # below <base>
HOST_SMOKE_FILE = "host-smoke.txt"


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # `/`-separated; relative paths are relative to the working directory
    content: bytes


def parse_types(values: list[str] | None, all_tests: bool) -> tuple[str, ...]:
    """`--with` values (comma lists, repeatable) to a set of types, in `INIT_TYPES` order.

    No `--with`, an empty one, `all` or `--all-tests` select everything. Raises ValueError
    naming the unknown type otherwise.
    """
    if all_tests or not values:
        return INIT_TYPES
    chosen: set[str] = set()
    for value in values:
        for item in value.split(","):
            name = item.strip()
            if not name:
                continue
            if name == "all":
                return INIT_TYPES
            if name not in INIT_TYPES:
                raise ValueError(
                    f"unknown --with type {name!r} (expected {', '.join(INIT_TYPES)} or all)"
                )
            chosen.add(name)
    if not chosen:
        return INIT_TYPES
    return tuple(t for t in INIT_TYPES if t in chosen)


def _scenario(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _steps(name: str, steps: list[dict[str, Any]]) -> bytes:
    return _scenario({"version": 1, "name": name, "steps": steps})


EXAMPLE = _steps("example", [
    {"type": "trace_event", "name": "setup", "fields": {}},
    {"type": "rand_u64", "key": "rand"},
    {"type": "sleep", "duration": "10ms"},
    {"type": "assert_eq_int", "a": 1, "b": 1, "msg": None},
])

RUN_PASS = _steps("run-pass", [
    {"type": "trace_event", "name": "setup"},
    {"type": "assert_eq_int", "a": 1, "b": 1},
])

MEMORY_PASS = _steps("memory-pass", [
    {"type": "memory_alloc", "bytes": 128, "key": "buf", "tag": "req"},
    {"type": "memory_assert_in_use_bytes", "equals": 128},
    {"type": "memory_free", "key": "buf"},
    {"type": "memory_assert_in_use_bytes", "equals": 0},
])

DISTRIBUTED_PASS = _scenario({
    "version": 1,
    "name": "distributed-pass",
    "distributed": {
        "node_count": 3,
        "steps": [
            {"type": "client_put", "node": "n0", "key": "k", "value": "v1"},
            {"type": "client_put", "node": "n1", "key": "k", "value": "v1"},
            {"type": "client_put", "node": "n2", "key": "k", "value": "v1"},
            {"type": "tick", "duration": "20ms"},
        ],
        "invariants": [
            {"type": "kv_present_on_all", "key": "k"},
            {"type": "kv_all_equal", "key": "k"},
        ],
    },
})

# The snapshot taken before anything is touched makes the final restore delete the smoke
# file again, so running the host starter leaves the project as it found it.
HOST_PASS = _steps("host-pass", [
    {"type": "fs_snapshot", "name": "clean"},
    {"type": "fs_write", "path": HOST_SMOKE_FILE, "data": "hello-host"},
    {"type": "fs_read_assert", "path": HOST_SMOKE_FILE, "equals": "hello-host"},
    {"type": "proc_spawn", "cmd": "echo", "args": ["fozzy-host"], "expect_exit": 0,
     "expect_stdout": "fozzy-host\n"},
    {"type": "fs_restore", "name": "clean"},
])

FUZZ_SEED = b"fozzy-seed\n"

# A property that holds for every input, so the guide's fuzz command passes until the user
# changes the code under test; the fuzzer's job is to find where it stops holding.
FUZZ_TARGET_SOURCE = b'''\
"""A fuzz target of `key=value` lines: `fozzy fuzz fn:fuzz/kv_target.py:check`.

The property: rendering what was parsed and parsing it again gives the same mapping.
Replace `parse` and `render` with your own code and let the fuzzer look for inputs that
break the round trip.
"""


def parse(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            out[key.strip()] = value
    return out


def render(kv: dict[str, str]) -> str:
    return "".join(f"{k}={v}\\n" for k, v in sorted(kv.items()))


def check(data: bytes) -> None:
    kv = parse(data.decode("utf-8", errors="replace"))
    assert parse(render(kv)) == kv, kv
'''


def guide(types: tuple[str, ...], base_dir: str) -> bytes:
    corpus = f"{base_dir.rstrip('/')}/{FUZZ_CORPUS}"
    commands: dict[str, tuple[str, str]] = {
        "run": (
            "run one starter and record its trace",
            f"fozzy run {EXAMPLE_PATH} --det --seed 7 --record example.fozzy --json",
        ),
        "memory": (
            "check the simulated heap with zero leak tolerance",
            f"fozzy run {MEMORY_PATH} --det --mem-track --fail-on-leak --leak-budget 0 --json",
        ),
        "explore": (
            "explore delivery schedules of the distributed starter (`fozzy test` refuses "
            "distributed scenarios, which is why it lives outside `tests/`)",
            f"fozzy explore {DISTRIBUTED_PATH} --schedule coverage_guided --nodes 3 "
            "--steps 200 --json",
        ),
        "fuzz": (
            f"fuzz the Python target in `{FUZZ_TARGET_PATH}`, starting from the seed corpus "
            f"in `{corpus}`",
            f"fozzy fuzz {FUZZ_TARGET} --mode coverage --time 10s --corpus {corpus} --json",
        ),
        "host": (
            "run the host starter against the real filesystem and a real `echo` (it lives "
            "outside `tests/` because `fozzy test` uses scripted/virtual backends by default)",
            f"fozzy --proc-backend host --fs-backend host run {HOST_PATH} --det --json",
        ),
    }
    lines = [
        "# fozzy starter guide",
        "",
        "fozzy is strict by default: a passing run that carries warning (checker) findings",
        "fails the command with exit 2. Pass `--unsafe` to relax that while you iterate.",
        "",
        "## Recommended first run",
        "",
        "Every scenario under `tests/` runs with the default scripted/virtual backends:",
        "",
        "```sh",
        "fozzy test --det --seed 7",
        "```",
        "",
        "## Targeted commands",
        "",
    ]
    for t in types:
        what, cmd = commands[t]
        lines += [f"- {t}: {what}:", "", "  ```sh", f"  {cmd}", "  ```", ""]
    lines += [
        "Edit these scenarios (or add your own `*.fozzy.json` files under `tests/`) and",
        "list every step type and field with `fozzy schema --json`.",
        "",
    ]
    return "\n".join(lines).encode()


def template_readme(template: str) -> bytes | None:
    if template == "minimal":
        return None
    what = {
        "rust": ("Rust", "cargo build", "target/debug/<your-binary>"),
        "ts": ("TypeScript", "npm run build", "node dist/<entry>.js"),
    }[template]
    lang, build, binary = what
    text = f"""# fozzy scenarios ({lang} template)

Deterministic scenarios for this {lang} project live in `tests/*.fozzy.json`.
Run them with:

```sh
fozzy test --det --json
```

To drive the real program, build it (`{build}`), declare its invocation with `proc_spawn`
(`cmd`: `{binary}`) in a scenario outside `tests/`, and run that scenario with
`fozzy --proc-backend host run <scenario> --det`. See `tests/INIT_GUIDE.md`.
"""
    return text.encode()


def scaffold_files(types: tuple[str, ...], base_dir: str, template: str) -> list[ScaffoldFile]:
    """Every file `init` writes for these types and template, in writing order."""
    files: list[ScaffoldFile] = []
    if "run" in types:
        files += [ScaffoldFile(EXAMPLE_PATH, EXAMPLE), ScaffoldFile(RUN_PASS_PATH, RUN_PASS)]
    if "memory" in types:
        files.append(ScaffoldFile(MEMORY_PATH, MEMORY_PASS))
    if "explore" in types:
        files.append(ScaffoldFile(DISTRIBUTED_PATH, DISTRIBUTED_PASS))
    if "host" in types:
        files.append(ScaffoldFile(HOST_PATH, HOST_PASS))
    if "fuzz" in types:
        corpus = f"{base_dir.rstrip('/')}/{FUZZ_CORPUS}"
        files.append(ScaffoldFile(FUZZ_TARGET_PATH, FUZZ_TARGET_SOURCE))
        files.append(ScaffoldFile(f"{corpus}/seed.bin", FUZZ_SEED))
    files.append(ScaffoldFile(GUIDE_PATH, guide(types, base_dir)))
    readme = template_readme(template)
    if readme is not None:
        files.append(ScaffoldFile("README.md", readme))
    return files
