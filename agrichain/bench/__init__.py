"""Benchmarks of agrichain's engines on published instances (:mod:`agrichain.bench.routing`)."""
