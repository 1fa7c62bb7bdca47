"""Every registered agent, environment and experiment kind, and every public class, has its own docstring whose
first line (what `rlkit list` shows) says what it is."""

import ast
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

from rlkit.cli.main import environment_class, first_line
from rlkit.core.registry import AGENTS, KINDS
from rlkit.runner.run import load_plugins

ROOT = Path(__file__).resolve().parents[2]
load_plugins()


def registered():
    out = [(f"agent {name}", AGENTS.get(name)) for name in AGENTS.names()]
    out += [(f"kind {name}", KINDS.get(name)) for name in KINDS.names()]
    for env_id in sorted(k for k in gym.registry if k.startswith("rlkit/")):
        spec = gym.registry[env_id]
        out.append((f"env {env_id}", environment_class(env_id)))
        entry = getattr(spec.entry_point, "target", spec.entry_point)  # rlkit.envs.EntryPoint
        if spec.vector_entry_point and isinstance(entry, str):  # the single-instance class too
            module, _, name = entry.partition(":")
            out.append((f"env {env_id} (single)", getattr(__import__(module, fromlist=[name]), name)))
    return out


@pytest.mark.parametrize("what, cls", registered(), ids=[w for w, _ in registered()])
def test_registered_classes_say_what_they_are(what, cls):
    line = first_line(cls)
    assert line, f"{what} ({cls.__module__}.{cls.__name__}) has no class docstring of its own"
    assert len(line) >= 20 and line.endswith("."), f"{what}: first line is not a sentence: {line!r}"


def test_every_public_class_has_a_docstring():
    missing = []
    for path in sorted([*ROOT.joinpath("rlkit").rglob("*.py"), *ROOT.joinpath("envs").rglob("*.py"),
                        *ROOT.joinpath("theory").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and not ast.get_docstring(node):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not missing, "public classes without a docstring: " + ", ".join(missing)


def test_rlkit_list_shows_the_first_lines():
    listing = subprocess.run([sys.executable, "-m", "rlkit.cli", "list"], capture_output=True, text=True,
                             check=True).stdout
    for what, cls in registered():
        if "(single)" not in what:
            assert first_line(cls) in listing, what


def documented_parameters(cls) -> tuple[list[str], list[str]]:
    """``(parameters, undocumented)`` of ``cls``'s constructor, following ``**kwargs`` up the base classes. A parameter
    is documented by an entry ``name : ...`` (or ``name: ...``, or a grouped ``a, b : ...``) in the docstring of the
    class or of a base class whose constructor takes it (the shared ``n_runs``, ``seed``, ``device``, ...)."""
    import inspect
    import re

    def takes(klass):
        init = klass.__dict__.get("__init__")
        return [] if init is None else list(inspect.signature(init).parameters.values())

    params = []
    for klass in cls.__mro__:
        sig = takes(klass)
        if not sig:
            continue
        params += [p.name for p in sig if p.name != "self" and not p.name.startswith("_")
                   and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name not in params]
        if not any(p.kind == p.VAR_KEYWORD for p in sig):
            break
    missing = []
    for name in params:
        docs = " ".join(k.__dict__.get("__doc__") or "" for k in cls.__mro__
                        if k is cls or any(p.name == name for p in takes(k)))
        if not re.search(rf"^\s*(?:[\w*]+, )*{re.escape(name)}(?:, [\w*]+)*\s*:", docs, re.MULTILINE):
            missing.append(name)
    return params, missing


def agent_classes():
    return [AGENTS.get(name) for name in AGENTS.names()]


@pytest.mark.parametrize("cls", agent_classes(), ids=[f"{c.__module__}.{c.__name__}" for c in agent_classes()])
def test_every_public_parameter_of_a_registered_agent_is_documented(cls):
    name = f"{cls.__module__}.{cls.__name__}"
    params, missing = documented_parameters(cls)
    assert not missing, f"{name}: parameters without an entry 'name : meaning' in its docstring: {missing}"


def test_an_undocumented_parameter_is_caught():  # negative control
    class Bare:
        """One line."""

        def __init__(self, alpha: float = 1.0):
            pass

    assert documented_parameters(Bare) == (["alpha"], ["alpha"])
