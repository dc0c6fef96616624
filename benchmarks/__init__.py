"""Benchmarks at département scale (`python -m benchmarks <name> ...`); figures in benchmarks/README.md."""
