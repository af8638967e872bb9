"""`fozzy gate` and `fozzy full`: the whole command surface as one pass/fail workflow.

```
 flags ──▶ Policy (--skip-steps / --required-steps, decided up front)
             │
 table: (Step(name, phase, plan), …)  ──▶ engine.run_steps ──▶ one {name,status,detail,durationMs}
             │ plan(ctx) → Skip(reason, unskip)                           per step (+ skipReason,
             │           | Local(fn)          (in-process, bounded)         unskip when skipped)
             │           | Command(argv, judge)  ──▶ child.run_child: `python -m fozzy …` in its
             │                                      own session, killed as a tree on timeout
             └── ctx (Context): seed, temp dir, discovered scenarios, what earlier steps produced
```

A workflow is a table of rows; the engine alone decides what runs. Policy skips are decided
before a step's plan is even built, so a skipped step never executes. Every step that runs a
scenario is a child process: a timeout kills that child's whole tree (workers included)
instead of leaving a detached thread behind, and nothing here changes the working directory.
Each skip says why and what to add to un-skip it.
"""
