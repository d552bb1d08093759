"""Benchmarks that measure the helpline as a whole (run by `make bench`)."""
