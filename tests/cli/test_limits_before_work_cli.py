"""`[limits]` are checked before the work they bound: a scenario over the step limit is
refused before its steps are parsed, and `node_count` is refused one past its configured
maximum (not only when absurdly large)."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.clikit import fozzy

STEP = {"type": "assert_eq_str", "a": "x", "b": "x"}


def limits(cwd: Path, **values: int) -> None:
    (cwd / "fozzy.toml").write_text(
        "[limits]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))


def validate_json(cwd: Path, name: str, doc: dict[str, object]) -> tuple[int, dict[str, str]]:
    (cwd / name).write_bytes(orjson.dumps(doc))
    r = fozzy(cwd, "validate", name, "--json")
    assert "Traceback" not in r.stderr
    return r.returncode, orjson.loads(r.stdout)


def test_too_many_steps_is_refused_before_any_is_parsed(tmp_path: Path) -> None:
    limits(tmp_path, steps=3)
    steps = [STEP, STEP, STEP, {"type": "no_such_step"}, STEP]
    code, doc = validate_json(tmp_path, "s.fozzy.json",
                              {"version": 1, "name": "s", "steps": steps})
    assert code == 2
    assert "`[limits] steps`" in doc["error"]
    assert "no_such_step" not in doc["error"]


def test_node_count_is_refused_one_past_the_configured_limit(tmp_path: Path) -> None:
    limits(tmp_path, node_count=4)

    def cluster(n: int) -> dict[str, object]:
        return {"version": 1, "name": "c", "distributed": {"node_count": n, "steps": []}}

    code, doc = validate_json(tmp_path, "ok.fozzy.json", cluster(4))
    assert code == 0, doc
    code, doc = validate_json(tmp_path, "over.fozzy.json", cluster(5))
    assert code == 2 and "`[limits] node_count`" in doc["error"]
