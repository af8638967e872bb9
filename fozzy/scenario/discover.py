"""Which scenario files a `fozzy test` invocation selects.

Rules (DECISIONS.md "test"): a literal path must exist (a file is taken as typed, a directory
means every `*.fozzy.json` below it); a pattern with glob characters is a glob with shell
semantics (`*`, `?` and `[...]` stay within one path segment, `**` crosses directories,
`{a,b}` alternates); a glob that matches nothing alone is an error; missing literal paths are
an error even when other inputs matched. Walks skip VCS, build and virtualenv directories.

Nothing selected is skipped silently (DECISIONS "Scenarios"): a selected name that is not a
readable regular file (a dangling symlink, a FIFO, a socket) and a directory the walk cannot
enter — when the pattern could select something below it — are errors naming each path,
raised before anything is loaded or run. Symlinked directories are not entered (no loops).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from fozzy import diag
from fozzy.errors import FozzyError

DEFAULT_PATTERN = "tests/**/*.fozzy.json"
SCENARIO_SUFFIX = ".fozzy.json"
_META = set("*?[]{}")
PRUNED_DIRS = frozenset(
    {".git", "target", "node_modules", ".fozzy", "dist", "build", "coverage", ".venv",
     "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis"}
)


class Selected(NamedTuple):
    path: str  # as the user will see it: as typed for literal files, walk-relative otherwise
    key: str   # normalized absolute path, for de-duplication and seeds


def is_glob(pattern: str) -> bool:
    return any(c in _META for c in pattern)


def _expand_braces(pattern: str) -> list[str]:
    """Every `{a,b}` alternative spelled out, in order; a worklist rather than recursion, and
    bounded (`[limits] glob_patterns`): `{a,b}` twenty times over is a million patterns."""
    from workers.input_limits import LimitExceeded, limits

    limit = limits().glob_patterns
    out: list[str] = []
    pending = [pattern]
    while pending:
        current = pending.pop()
        m = re.search(r"\{([^{}]*)\}", current)
        if not m:
            out.append(current)
            if len(out) > limit:
                err = LimitExceeded(f"brace expansion of glob {pattern[:80]!r}", limit,
                                    "glob_patterns")
                raise FozzyError(str(err))
            continue
        head, tail = current[: m.start()], current[m.end() :]
        pending.extend(head + alt + tail for alt in reversed(m.group(1).split(",")))
    return out


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Shell-style glob (with `**` and `{a,b}`) compiled to an anchored regex over `/` paths.
    A glob longer than `[limits] glob_chars` or with a bad `[...]` class is a `FozzyError`."""
    from workers.input_limits import LimitExceeded, limits

    if len(pattern) > limits().glob_chars:
        err = LimitExceeded(f"glob {pattern[:80]!r}... length", limits().glob_chars, "glob_chars")
        raise FozzyError(str(err))
    parts = []
    for alt in _expand_braces(pattern):
        i, out = 0, []
        while i < len(alt):
            c = alt[i]
            if alt.startswith("**/", i):
                out.append("(?:[^/]*/)*")
                i += 3
                continue
            if alt.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            if c == "*":
                out.append("[^/]*")
            elif c == "?":
                out.append("[^/]")
            elif c == "[":
                end = alt.find("]", i + 1)
                if end == -1:
                    out.append(re.escape(c))
                else:
                    body = alt[i + 1 : end]
                    if body.startswith("!"):
                        body = "^" + body[1:]
                    out.append(f"[{body}]")
                    i = end
            else:
                out.append(re.escape(c))
            i += 1
        parts.append("".join(out))
    try:
        return re.compile("(?:" + "|".join(parts) + r")\Z")
    except re.error as e:
        raise FozzyError(f"invalid glob {pattern[:200]!r}: {e.msg}") from None


class Walk(NamedTuple):
    files: list[str]  # regular files (symlinks to regular files included)
    odd: list[tuple[str, str]]  # (path, why) of entries that are neither a directory nor a file
    blocked: list[tuple[str, str]]  # (directory, why) of directories that could not be listed


def _walk(root: str) -> Walk:
    """Every file below `root` (symlinked files included, symlinked directories not entered),
    as `root/...` strings: a suite can hold tens of thousands of files, and one `scandir` per
    directory with string joins is several times cheaper than `os.walk` + `Path.is_file`.
    What cannot be listed or is not a regular file is returned too, for the caller to report
    when its pattern selects it."""
    found: list[str] = []
    odd: list[tuple[str, str]] = []
    blocked: list[tuple[str, str]] = []
    stack = [root]
    while stack:
        top = stack.pop()
        prefix = "" if top == "." else top if top.endswith("/") else top + "/"
        try:
            entries = os.scandir(top)
        except OSError as err:
            blocked.append((top, _why(err)))
            continue
        with entries:
            for e in entries:
                try:
                    if e.is_dir(follow_symlinks=False):
                        if e.name not in PRUNED_DIRS:
                            stack.append(prefix + e.name)
                    elif e.is_file():
                        found.append(prefix + e.name)
                    elif not e.is_dir():
                        odd.append((prefix + e.name, _kind(prefix + e.name)))
                except OSError as err:
                    odd.append((prefix + e.name, _why(err)))
    return Walk(found, odd, blocked)


def _why(e: OSError) -> str:
    return (e.strerror or str(e)).lower()


def _kind(path: str) -> str:
    """Why `path`, which exists as a directory entry, is not a scenario file one can read."""
    if os.path.islink(path) and not os.path.exists(path):
        return "dangling symlink"
    return "not a regular file"


def _may_hold(pattern: str, directory: str) -> bool:
    """Whether glob `pattern` could select a file below `directory` (both as walked): an
    unlistable directory the pattern could never reach is not the user's selection."""
    if directory == ".":
        return True
    dparts = [""] if directory == "/" else directory.rstrip("/").split("/")
    for alt in _expand_braces(pattern):
        pparts = alt.split("/")
        for i, d in enumerate(dparts):
            if "**" in pparts[min(i, len(pparts) - 1)]:
                return True
            if i >= len(pparts) - 1 or not glob_regex(pparts[i]).match(d):
                break
        else:
            return True
    return False


def _glob_root(pattern: str) -> str:
    prefix = pattern
    for i, c in enumerate(pattern):
        if c in _META:
            prefix = pattern[:i]
            break
    prefix = prefix[: prefix.rfind("/") + 1] if "/" in prefix else ""
    return str(Path(prefix.rstrip("/") or ("/" if pattern.startswith("/") else ".")))


def _under(root: str, cwd: str) -> tuple[int, str]:
    """How to turn a path `_walk(root)` returned into its key without normalizing it again:
    drop the first `cut` characters (the root as written) and prepend `base` (the root's key).
    Below the root every component is a plain directory entry name."""
    cut = 0 if root == "." else len(root) if root.endswith("/") else len(root) + 1
    root_key = os.path.normpath(os.path.join(cwd, root))
    return cut, root_key if root_key.endswith("/") else root_key + "/"


def discover(patterns: list[str]) -> list[Selected]:
    """Resolve patterns (or the default glob) to a sorted, de-duplicated list of files."""
    pats = patterns or [DEFAULT_PATTERN]
    cwd = os.getcwd()
    chosen: dict[str, Selected] = {}
    missing: list[str] = []
    unusable: list[str] = []
    for pat in pats:
        if not is_glob(pat):
            if os.path.isfile(pat):
                key = os.path.normpath(os.path.join(cwd, pat))
                chosen.setdefault(key, Selected(pat, key))
            elif os.path.isdir(pat):
                root = str(Path(pat))
                cut, base = _under(root, cwd)
                walk = _walk(root)
                for f in walk.files:
                    if f.endswith(SCENARIO_SUFFIX):
                        key = base + f[cut:]
                        if key not in chosen:
                            chosen[key] = Selected(f, key)
                unusable += [f"{f} ({why})" for f, why in walk.odd if f.endswith(SCENARIO_SUFFIX)]
                unusable += [f"{d}/ (cannot enter directory: {why})" for d, why in walk.blocked]
            elif os.path.lexists(pat):
                unusable.append(f"{pat} ({_kind(pat)})")
            else:
                missing.append(pat)
            continue
        glob = pat[2:] if pat.startswith("./") else pat
        rx = glob_regex(glob)
        root = _glob_root(pat)
        if os.path.isdir(root):
            absolute = os.path.isabs(pat)
            cut, base = _under(root, cwd)
            walk = _walk(root)
            for f in walk.files:
                key = base + f[cut:]
                if (rx.match(f) or (absolute and rx.match(key))) and key not in chosen:
                    chosen[key] = Selected(f, key)
            unusable += [f"{f} ({why})" for f, why in walk.odd
                         if rx.match(f) or (absolute and rx.match(base + f[cut:]))]
            unusable += [f"{d}/ (cannot enter directory: {why})" for d, why in walk.blocked
                         if _may_hold(glob, d)]
    if missing:
        raise FozzyError(f"explicit scenario path(s) not found: {', '.join(missing)}")
    if unusable:
        raise FozzyError(
            f"selected scenario path(s) cannot be read: {', '.join(dict.fromkeys(unusable))}"
        )
    _check_match_count(len(chosen))
    if not chosen:
        raise FozzyError(f"no scenario files matched (patterns=[{', '.join(pats)}])")
    # Component-wise order: NUL sorts below every character a path component can hold.
    out = sorted(chosen.values(), key=lambda s: s.key.replace("/", "\0"))
    diag.debug(lambda: f"discovery: {len(out)} scenario file(s) from [{', '.join(pats)}]")
    if diag.enabled("trace"):
        for s in out:
            diag.trace(f"discovery: selected {s.path}")
    return out


def _check_match_count(count: int) -> None:
    from workers.input_limits import LimitExceeded, limits

    if count > limits().glob_matches:
        err = LimitExceeded(f"selection of {count} scenario files", limits().glob_matches,
                            "glob_matches")
        raise FozzyError(str(err))


def scenario_seed(suite_seed: int, key: str, cwd: str | None = None) -> int:
    """Per-scenario seed from the suite seed and the path relative to the working directory,
    so adding or removing other scenarios never changes this one's seed."""
    return scenario_seeds(suite_seed, [key], cwd)[0]


def scenario_seeds(suite_seed: int, keys: list[str], cwd: str | None = None) -> list[int]:
    """`scenario_seed` for a whole suite at once (the shared work done once)."""
    import blake3

    base = cwd or os.getcwd()
    prefix = base + "/"
    head = suite_seed.to_bytes(8, "little")
    seeds: list[int] = []
    for key in keys:
        if key.startswith(prefix) and base != "/":
            rel = key[len(prefix) :]
        else:
            rel = os.path.relpath(key, base).replace(os.sep, "/")
        seeds.append(int.from_bytes(blake3.blake3(head + rel.encode()).digest()[:8], "little"))
    return seeds
