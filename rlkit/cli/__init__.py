"""The ``rlkit`` command (:func:`rlkit.cli.main.main`): ``run``, ``plot``, ``list``, ``transfer``."""
