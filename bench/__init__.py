"""Benchmark recipes: each module measures one thing on the real corpora and writes
``bench/results/NAME.{json,md}`` through :mod:`bench.publish`. Run one from the
repository root as ``python -m bench.NAME`` (``--help`` for its options)."""
