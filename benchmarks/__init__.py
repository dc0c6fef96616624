"""Benchmarks (make bench): performance figures, never asserted in tests."""
