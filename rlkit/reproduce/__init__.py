"""``rlkit reproduce PAPER``: run a paper's specs, draw its figures with the paper's values on them, write REPORT.md.

:mod:`rlkit.reproduce.references` reads the per-paper reference files (the paper's reported values and the
authors' code's, each with where it comes from); :mod:`rlkit.reproduce.report` runs and reports. This package's
``__init__`` imports nothing, so the figures can read the reference values without the runner.
"""
