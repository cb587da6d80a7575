"""Benchmarks behind `violet bench`."""
