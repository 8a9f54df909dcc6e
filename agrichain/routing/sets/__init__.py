"""Benchmark instance formats: VRPLIB/Solomon and the pickup-and-delivery sets, with readers."""
