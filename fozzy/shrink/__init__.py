"""Shrinking: minimise a failing input while it keeps failing the same way."""
