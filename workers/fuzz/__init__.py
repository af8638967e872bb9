"""Fuzzing on the worker side: mutators, coverage signals and the local mutate→run→keep loop."""
