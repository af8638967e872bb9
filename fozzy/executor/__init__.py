"""Where scenarios execute: the worker pool (the only path to a worker) and the finalizer
(the only writer of run artifacts)."""
