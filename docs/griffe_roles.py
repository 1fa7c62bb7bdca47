"""A griffe extension for the API reference: the Sphinx roles of the docstrings (``:class:`X```, ``:func:`~a.b```,
``:mod:`...```) become inline code, so that ``help()`` and the site read the same text."""

import re

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` as ```target``` in every docstring."""

    def on_instance(self, *, obj, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(r"`\1`", obj.docstring.value)
