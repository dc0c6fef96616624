"""Benchmarks at département scale (`python -m benchmarks <name> ...`, `make bench`); figures in
benchmarks/README.md, never asserted in tests."""
