"""The Python blocks of README.md and docs/**/*.md run as tests (Sybil): each file's blocks share one namespace and
run in order, with one torch thread; every block asserts the shapes of what it computes."""

import os

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser


def _setup(namespace):
    import torch

    namespace["_threads"] = torch.get_num_threads()
    torch.set_num_threads(1)
    namespace["_cwd"] = os.getcwd()
    from rlkit.runner.catalog import installed

    namespace["has_extra"] = installed  # <!-- skip: next if(not has_extra("traffic"), reason=...) -->


def _teardown(namespace):
    import torch

    torch.set_num_threads(namespace["_threads"])
    os.chdir(namespace["_cwd"])


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser()],
    patterns=["README.md", "docs/*.md", "docs/**/*.md"],
    setup=_setup,
    teardown=_teardown,
).pytest()
