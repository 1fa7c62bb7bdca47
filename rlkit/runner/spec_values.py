"""Spec values that follow the budget: ``"logT"`` and ``"@<expression>"``, resolved once per run.

A parameter that depends on the budget (``lam = log T``, ``delta = 1 / T``, a theory curve's ``lam``) is written
as an expression of it instead of a number computed for one budget, so ``--rounds`` (``--episodes``) changes it
too:

    lam = "logT"                 # log of the budget: log T (rounds) for bandits, log K (episodes) for episodic kinds
    delta = "@1 / T"             # any arithmetic expression in the budget
    batch = "@floor(sqrt(rounds))"

An expression is a string starting with ``@``: numbers, the budget's names (``rounds`` or ``T`` in a bandit spec,
``episodes`` or ``K`` in an episodic one), ``+ - * / // % **`` and the functions ``log, log2, log10, sqrt, exp,
floor, ceil, min, max, abs``; nothing else is evaluated. :func:`resolve_budget_values` replaces them by numbers
in a spec's agent parameters (``[[agents]]``, except ``label`` and ``algo``), its ``[env]`` table (except ``id``)
and ``plot.theory_params``, after the command-line overrides, so the results directory's ``spec.json`` records
the values the run used.
"""

from __future__ import annotations

import ast
import copy
import math
import operator

from rlkit.core.checks import RLKitError, SpecError, check_int

_FUNCTIONS = {"log": math.log, "log2": math.log2, "log10": math.log10, "sqrt": math.sqrt, "exp": math.exp,
              "floor": math.floor, "ceil": math.ceil, "min": min, "max": max, "abs": abs}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: math.pow}  # float pow: no huge ints
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_SKIP = {"label", "algo", "id"}
LETTERS = {"rounds": "T", "episodes": "K"}  # the budget's letter, beside its name


def is_budget_value(value) -> bool:
    """Whether ``value`` is ``"logT"`` or an ``"@..."`` expression."""
    return isinstance(value, str) and (value == "logT" or value.startswith("@"))


def evaluate(expression: str, budget: int, where: str = "value", names: tuple[str, ...] = ("rounds", "T")):
    """The number ``expression`` (``"logT"`` or ``"@..."``) stands for at this ``budget``, named by ``names``."""
    text = f"log({names[0]})" if expression == "logT" else expression[1:]
    try:
        tree = ast.parse(text.strip(), mode="eval")
        return _eval(tree.body, budget, names)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, _Unknown) as e:
        raise SpecError(f"{where} = {expression!r} is not a budget expression ({e}); write \"logT\" or "
                        f"\"@<arithmetic in {' or '.join(names)}>\" with log, log2, log10, sqrt, exp, floor, ceil, "
                        f"min, max, abs") from None


class _Unknown(Exception):
    pass


def _eval(node, budget: int, names: tuple[str, ...]):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return budget
        raise _Unknown(f"unknown name {node.id!r}")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left, budget, names), _eval(node.right, budget, names))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, budget, names))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and not node.keywords):
        return _FUNCTIONS[node.func.id](*(_eval(a, budget, names) for a in node.args))
    raise _Unknown(f"{ast.unparse(node)!r} is not allowed")


def _resolve(value, budget, where, names):
    if is_budget_value(value):
        if budget is None:
            raise SpecError(f"{where} = {value!r} follows the budget, but this spec has none")
        return evaluate(value, budget, where, names)
    if isinstance(value, dict):
        return {k: v if k in _SKIP else _resolve(v, budget, f"{where}.{k}", names) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, budget, f"{where}[{i}]", names) for i, v in enumerate(value)]
    return value


def resolve_budget_values(spec: dict, length_key: str = "rounds") -> dict:
    """A copy of ``spec`` with every ``"logT"`` / ``"@..."`` of its agents, env and ``plot.theory_params`` evaluated
    at ``spec[length_key]`` (the budget: the rounds ``T`` of bandit kinds, the episodes ``K`` of episodic kinds), an
    integer >= 1."""
    names = (length_key, LETTERS[length_key]) if length_key in LETTERS else (length_key,)
    spec = copy.deepcopy(spec)
    budget = spec.get(length_key)
    if budget is not None:
        try:
            budget = check_int(length_key, budget)
        except RLKitError:
            if _uses_budget(spec):
                raise SpecError(f"{length_key} must be an integer >= 1 for the spec's budget expressions, got "
                                f"{budget!r}") from None
            return spec  # the kind reports the bad budget itself
    if isinstance(spec.get("agents"), list):
        spec["agents"] = [_resolve(a, budget, f"agents[{i}]", names) if isinstance(a, dict) else a
                          for i, a in enumerate(spec["agents"])]
    if isinstance(spec.get("env"), dict):
        spec["env"] = _resolve(spec["env"], budget, "env", names)
    plot = spec.get("plot")
    if isinstance(plot, dict) and isinstance(plot.get("theory_params"), dict):
        plot["theory_params"] = _resolve(plot["theory_params"], budget, "plot.theory_params", names)
    return spec


def _uses_budget(spec: dict) -> bool:
    def walk(v):
        if is_budget_value(v):
            return True
        if isinstance(v, dict):
            return any(walk(x) for k, x in v.items() if k not in _SKIP)
        if isinstance(v, list):
            return any(walk(x) for x in v)
        return False

    plot = spec.get("plot") if isinstance(spec.get("plot"), dict) else {}
    return walk(spec.get("agents")) or walk(spec.get("env")) or walk(plot.get("theory_params"))
