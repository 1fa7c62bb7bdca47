"""The parameter tables of the docs pages agree with the constructors: every parameter a table names exists, and
the default it gives is the constructor's (so a changed default cannot leave the docs behind)."""

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARK = re.compile(r"<!-- parameters: ([\w.]+) -->\n((?:\|.*\n)+)")


def constructor_defaults(cls) -> dict:
    """Every parameter of ``cls``'s constructor with its default (``inspect.Parameter.empty`` when required),
    following ``**kwargs`` up the base classes' constructors."""
    out = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                out.setdefault(p.name, p.default)
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return out


def tables():
    out = []
    for page in sorted(ROOT.joinpath("docs").rglob("*.md")):
        for match in MARK.finditer(page.read_text()):
            rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in match.group(2).splitlines()]
            out.append((f"{page.relative_to(ROOT)}:{match.group(1)}", match.group(1), rows[2:]))  # after the header
    return out


def test_every_paper_page_has_a_parameter_table():
    pages = {name.split(":")[0] for name, _, _ in tables()}
    assert {f"docs/papers/{p}.md" for p in ("dynlin_ucb", "gfucb", "ftrl", "reward_free", "r2pvi", "mbtl")} <= pages


@pytest.mark.parametrize("where, path, rows", tables(), ids=[t[0] for t in tables()])
def test_the_table_gives_the_constructor_defaults(where, path, rows):
    module, _, name = path.rpartition(".")
    defaults = constructor_defaults(getattr(importlib.import_module(module), name))
    assert rows, f"{where}: an empty table"
    for row in rows:
        param, default = row[0].strip("`"), row[1]
        assert param in defaults, f"{where}: {param!r} is not a parameter of {path}"
        actual = defaults[param]
        if default == "required":
            assert actual is inspect.Parameter.empty, f"{where}: {param} has the default {actual!r}, not required"
        else:
            assert actual is not inspect.Parameter.empty, f"{where}: {param} is required, the table says {default}"
            assert ast.literal_eval(default.strip("`")) == actual, f"{where}: {param} defaults to {actual!r}, " \
                                                                   f"the table says {default}"


def test_a_wrong_default_is_caught():  # negative control
    rows = [["`lam`", "`2.0`"]]
    with pytest.raises(AssertionError, match="lam defaults to 1.0"):
        test_the_table_gives_the_constructor_defaults("x", "rlkit.baselines.LinUCB", rows)


def test_every_module_has_an_api_reference_entry():
    """Every public module of rlkit appears as a ``::: module`` line of a page in ``docs/api/`` (mkdocstrings renders
    its public classes and functions from the docstrings)."""
    import pkgutil

    import rlkit

    documented = set(re.findall(r"^::: ([\w.]+)", "\n".join(p.read_text() for p in ROOT.joinpath("docs", "api")
                                                              .glob("*.md")), re.MULTILINE))
    modules = {m.name for m in pkgutil.walk_packages(rlkit.__path__, "rlkit.")
               if not any(part.startswith("_") for part in m.name.split("."))}
    modules -= {m for m in modules if m.startswith(("rlkit.cli", "rlkit.specs", "rlkit.data"))}  # commands, data
    assert not modules - documented, f"modules without an API reference entry: {sorted(modules - documented)}"
