"""Benchmarks (not tests): `python -m bench.run` measures the product against its floor."""
