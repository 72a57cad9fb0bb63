"""Benchmarks: a realistic ticket generator (`bench.generate`) and the HTTP benchmark (`bench.run`)."""
