"""The runner: a spec -> units of work -> a results directory (resumable), on local processes or Ray.

* :mod:`~rlkit.runner.run`: :func:`~rlkit.runner.run.run`, :func:`~rlkit.runner.run.plot`, spec loading and
  the command-line overrides;
* :mod:`~rlkit.runner.store`: the results directory (atomic checksummed chunks, the summary);
* :mod:`~rlkit.runner.spec_values`: the small expression language of spec values (``"logT"``, ``"@1/horizon"``).
"""
