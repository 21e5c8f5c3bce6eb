"""Benchmarks of meegle_async against the embedded fake Meegle server (``python -m benchmarks``)."""
