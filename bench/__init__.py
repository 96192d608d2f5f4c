"""Benchmarks that drive the real bot process against the loopback fakes in tests.fakes."""
