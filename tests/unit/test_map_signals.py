"""Risk signals: the Python syntax tree counts real constructs; other files keep needles."""

from __future__ import annotations

from fozzy.analysis.map.python_signals import python_signals
from fozzy.analysis.map.scan import SourceFile, is_candidate
from fozzy.analysis.map.score import component, hotspots, risk
from fozzy.analysis.map.signals import Signals, line_signals

THREADED = '''
import threading as th
import subprocess
from socket import create_connection

def main():
    t = th.Thread(target=work)
    t.start()
    subprocess.run(["ls"], timeout=5)
    create_connection(("127.0.0.1", 80))

async def fetch(client):
    try:
        await client.get("/")
    except OSError:
        raise
    finally:
        pass

if __name__ == "__main__":
    main()
'''


def test_python_counts_constructs_not_words() -> None:
    s = python_signals('"""This docstring mentions thread, socket, subprocess and if."""\n')
    assert s.analysis == "ast"
    assert (s.branch, s.concurrency, s.external, s.failure) == (0, 0, 0, 0)
    assert line_signals('x = "thread socket subprocess"\n').concurrency == 1


def test_python_branches_are_decision_points() -> None:
    src = (
        "def f(a, b):\n"
        "    if a:\n        return 1\n"
        "    elif b:\n        return 2\n"
        "    else:\n        return 3\n"
        "def g(xs):\n"
        "    return [x for x in xs if x and x > 1]\n"
        "match 1:\n    case 1: pass\n    case _: pass\n"
    )
    s = python_signals(src)
    # if, elif, else, comprehension filter, `and`, two match cases
    assert s.branch == 7


def test_python_resolves_imports_for_concurrency_and_side_effects() -> None:
    s = python_signals(THREADED)
    assert s.analysis == "ast"
    # th.Thread resolves to threading; async def and await count too
    assert s.concurrency == 3
    assert s.external == 2  # subprocess.run, socket.create_connection
    assert s.failure == 4  # except, raise, finally and the `timeout=` keyword
    assert s.entrypoint == 2  # def main, __main__ guard


def test_python_timeout_keyword_counts_as_failure_handling() -> None:
    assert python_signals("import x\nx.call(timeout=3)\n").failure == 1


def test_unparsable_python_falls_back_to_lines() -> None:
    s = python_signals("print 'python 2' if thread else None\n")
    assert s.analysis == "lines"
    assert s.branch == 2 and s.concurrency == 1


def test_deeply_nested_python_does_not_crash() -> None:
    s = python_signals("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    assert s.lines == 1


def test_risk_table() -> None:
    s = Signals(lines=600, branch=40, concurrency=1, external=2, failure=5, memory=3,
                entrypoint=1)
    score, reasons = risk(s)
    assert score == min(30 + 6 + 10 + 15 + 8 + 5 + 7, 100)
    assert reasons == (
        "high branch density (40)", "concurrency signals (1)",
        "external side-effect signals (2)", "failure/timeout/retry signals (5)",
        "memory management signals (3)", "service/entrypoint boundary indicators",
        "large file size (600 lines)",
    )
    assert risk(Signals(lines=10))[0] == 0
    assert risk(Signals(lines=300))[0] == 4


def test_components_and_order() -> None:
    assert component("services/Billing/api/x.rs") == "services/billing"
    assert component("src/apps/web/x.ts") == "apps/web"
    assert component("Src/lib.rs") == "src"
    assert component("main.go") == "main.go"
    assert component("services/x.rs") == "services"
    files = [SourceFile("b.py", Signals(branch=5)), SourceFile("a.py", Signals(branch=5)),
             SourceFile("c.py", Signals(branch=9)), SourceFile("z.py", Signals())]
    assert [h.path for h in hotspots(files)] == ["c.py", "a.py", "b.py"]
    assert hotspots(files)[0].id == "c.py:c.py"


def test_candidates() -> None:
    assert is_candidate("x.py") and is_candidate("Dockerfile") and is_candidate("a.TSX")
    for name in ("Cargo.lock", "yarn.lock", "a.min.js", "x.generated.ts", "y.gen.go", "x.md",
                 "pyproject.toml", "noext"):
        assert not is_candidate(name), name
