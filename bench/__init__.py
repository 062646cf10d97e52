"""Benchmarks: `make bench` (or `python -m bench --sizes 10000,100000`)."""
