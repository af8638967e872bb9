"""`fozzy map`: which source files are risky, and which fozzy suites cover them.

```
 --root ──▶ scan (walk, regular files, bounded reads) ──▶ signals per file ──▶ score ──▶ hotspots
              │  .py: python_signals (ast)                                              │
              │  other: line_signals (needles)                                          ├─▶ services
              └─▶ skipped source files ─────────────────────────┐                       │
 --scenario-root ──▶ scenarios (read, validate) ──▶ facts ──────┼────────────────────▶ suites
                       └─▶ unreadable / invalid / declaration-only ──▶ degraded ──▶ every report
```

Everything a scan could not read is carried to all three reports (`degraded`), so a clean
report means the whole repository was seen: a consumer such as `fozzy full` can fail on any
warning instead of trusting a partial map.
"""
