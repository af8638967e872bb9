"""Execution side of fozzy: the engine, the step registry and the worker loop.

This package must never import `fozzy`: a worker only needs `workers` installed, so the same
jobs can later run on a remote executor.
"""
