"""Figures: the project's style and figure helpers (:mod:`~rlkit.figures.plot`) and MBTL's figures
(:mod:`~rlkit.figures.mbtl`). Importing this package loads matplotlib (with the Agg backend); nothing below the
experiment kinds imports it."""
