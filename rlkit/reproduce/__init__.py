"""The reproduction's reference data: per-paper files of the papers' reported values and the authors' code's, with
provenance (:mod:`rlkit.reproduce.references`).

Data only: this package imports nothing of rlkit but the core, so the figures of the kinds can place the values
as markers. The ``rlkit reproduce`` command that runs a paper's specs and writes ``REPORT.md`` is
:mod:`rlkit.runner.reproduce`.
"""
