"""Benchmarks: each prints the figures docs/performance.md quotes. Never part of the test suite."""
