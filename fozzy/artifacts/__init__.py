"""Run directories and what goes in them: summaries, manifests, renderings, the alias index."""
