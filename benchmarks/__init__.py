"""The benchmark suite of msf-scaffold: ``python -m benchmarks``.

Every figure is measured against a baseline measured in the same run, repeated, and reported as a
median with its spread. Nothing here asserts a timing; the suite reports, and writes
``docs/performance.md``.

Stages (see each module): generation and scale (:mod:`benchmarks.generation`), our own Python
costs (:mod:`benchmarks.python_costs`), Maven builds (:mod:`benchmarks.build`), the compile tier
(:mod:`benchmarks.verification`) and the generated job's throughput (:mod:`benchmarks.throughput`).
"""
