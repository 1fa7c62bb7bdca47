"""Experiment kinds: each module registers one kind with :data:`rlkit.core.registry.KINDS`.

The contract is :class:`rlkit.kinds.base.ExperimentKind`; the runner is :mod:`rlkit.runner.run`, which
imports the kind modules (:data:`rlkit.runner.run.PLUGINS`). This package's ``__init__`` imports nothing,
so that the results store can use :class:`rlkit.kinds.base.Unit` without loading every kind, agent and
environment.
"""
