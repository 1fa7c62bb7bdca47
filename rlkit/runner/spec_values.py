"""Spec values that follow the horizon: ``"logT"`` and ``"@<expression in horizon>"``, resolved once per run.

A parameter that depends on ``T`` (``lam = log T``, ``delta = 1 / T``, a theory curve's ``lam``) is written
as an expression of the horizon instead of a number computed for one ``T``, so ``--horizon`` changes it too:

    lam = "logT"                 # log(horizon)
    delta = "@1 / horizon"       # any arithmetic expression in horizon (or T)
    batch = "@floor(sqrt(T))"

An expression is a string starting with ``@``: numbers, the names ``horizon`` and ``T``, ``+ - * / // % **``
and the functions ``log, log2, log10, sqrt, exp, floor, ceil, min, max, abs``; nothing else is evaluated.
:func:`resolve_horizon_values` replaces them by numbers in a spec's agent parameters (``[[agents]]``, except
``label`` and ``algo``), its ``[env]`` table (except ``id``) and ``plot.theory_params``, after the command-line
overrides, so the results directory's ``spec.json`` records the values the run used.
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


def is_horizon_value(value) -> bool:
    """Whether ``value`` is ``"logT"`` or an ``"@..."`` expression."""
    return isinstance(value, str) and (value == "logT" or value.startswith("@"))


def evaluate(expression: str, horizon: int, where: str = "value"):
    """The number ``expression`` (``"logT"`` or ``"@..."``) stands for at this ``horizon``."""
    text = "log(horizon)" if expression == "logT" else expression[1:]
    try:
        tree = ast.parse(text.strip(), mode="eval")
        return _eval(tree.body, horizon)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, _Unknown) as e:
        raise SpecError(f"{where} = {expression!r} is not a horizon expression ({e}); write \"logT\" or "
                        f"\"@<arithmetic in horizon or T>\" with log, log2, log10, sqrt, exp, floor, ceil, min, "
                        f"max, abs") from None


class _Unknown(Exception):
    pass


def _eval(node, horizon: int):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("horizon", "T"):
            return horizon
        raise _Unknown(f"unknown name {node.id!r}")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left, horizon), _eval(node.right, horizon))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, horizon))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and not node.keywords):
        return _FUNCTIONS[node.func.id](*(_eval(a, horizon) for a in node.args))
    raise _Unknown(f"{ast.unparse(node)!r} is not allowed")


def _resolve(value, horizon, where):
    if is_horizon_value(value):
        if horizon is None:
            raise SpecError(f"{where} = {value!r} follows the horizon, but this spec has none")
        return evaluate(value, horizon, where)
    if isinstance(value, dict):
        return {k: v if k in _SKIP else _resolve(v, horizon, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, horizon, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def resolve_horizon_values(spec: dict, length_key: str = "horizon") -> dict:
    """A copy of ``spec`` with every ``"logT"`` / ``"@..."`` of its agents, env and ``plot.theory_params`` evaluated
    at ``spec[length_key]`` (the horizon; the episode count of episodic kinds), an integer >= 1."""
    spec = copy.deepcopy(spec)
    horizon = spec.get(length_key)
    if horizon is not None:
        try:
            horizon = check_int(length_key, horizon)
        except RLKitError:
            if _uses_horizon(spec):
                raise SpecError(f"{length_key} must be an integer >= 1 for the spec's horizon expressions, got "
                                f"{horizon!r}") from None
            return spec  # the kind reports the bad horizon itself
    if isinstance(spec.get("agents"), list):
        spec["agents"] = [_resolve(a, horizon, f"agents[{i}]") if isinstance(a, dict) else a
                          for i, a in enumerate(spec["agents"])]
    if isinstance(spec.get("env"), dict):
        spec["env"] = _resolve(spec["env"], horizon, "env")
    plot = spec.get("plot")
    if isinstance(plot, dict) and isinstance(plot.get("theory_params"), dict):
        plot["theory_params"] = _resolve(plot["theory_params"], horizon, "plot.theory_params")
    return spec


def _uses_horizon(spec: dict) -> bool:
    def walk(v):
        if is_horizon_value(v):
            return True
        if isinstance(v, dict):
            return any(walk(x) for k, x in v.items() if k not in _SKIP)
        if isinstance(v, list):
            return any(walk(x) for x in v)
        return False

    plot = spec.get("plot") if isinstance(spec.get("plot"), dict) else {}
    return walk(spec.get("agents")) or walk(spec.get("env")) or walk(plot.get("theory_params"))
