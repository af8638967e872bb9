"""The `fozzy` command line: parse, call a mode, render. One module per command family."""
