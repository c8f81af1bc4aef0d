"""Speed and quality measurements (run as ``python -m benchmarks.run_all`` from the repository root).

Results are written to ``benchmarks/results/``.
"""
