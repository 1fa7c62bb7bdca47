"""Input validation shared by every module: one clear error naming the argument, what was expected, what was given.

All errors are subclasses of :class:`ValueError` (``RLKitError``) so callers can catch them generically.
Two kinds of checks:

* *metadata* checks (shape, dtype, device) read nothing from the tensor and always run;
* *value* checks (finiteness, arms in range) read one boolean back to the host. They are cheap on the CPU and
  are switched off with ``validate=False`` on agents (for accelerator hot loops): with ``validate=False`` the
  values an agent receives are *not checked*, and a NaN reward or an out-of-range arm gives wrong results or
  an error from torch instead of an rlkit message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from rlkit.core.errors import RLKitError, SpecError

__all__ = ["RLKitError", "SpecError"]  # with the check_* functions below


def _show(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)}"
    return repr(value)


def check_positive(name: str, value) -> float:
    """``value > 0`` (a finite real number)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RLKitError(f"{name} must be a positive number, got {_show(value)}") from None
    if not (v > 0 and math.isfinite(v)):
        raise RLKitError(f"{name} must be > 0 and finite, got {value!r}")
    return v


def check_nonnegative(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RLKitError(f"{name} must be a non-negative number, got {_show(value)}") from None
    if not (v >= 0 and math.isfinite(v)):
        raise RLKitError(f"{name} must be >= 0 and finite, got {value!r}")
    return v


def check_open_unit(name: str, value) -> float:
    """``0 < value < 1``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RLKitError(f"{name} must be a number in (0, 1), got {_show(value)}") from None
    if not (0.0 < v < 1.0):
        raise RLKitError(f"{name} must lie in the open interval (0, 1), got {value!r}")
    return v


def check_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int,)) and not (
        isinstance(value, float) and value.is_integer()
    ):
        raise RLKitError(f"{name} must be an integer >= {minimum}, got {_show(value)}")
    v = int(value)
    if v < minimum:
        raise RLKitError(f"{name} must be an integer >= {minimum}, got {v}")
    return v


def check_choice(name: str, value, choices: Sequence) -> object:
    if value not in choices:
        raise RLKitError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_shape(name: str, tensor, expected: Sequence) -> torch.Tensor:
    """Check ``tensor.shape`` against ``expected``; ``None`` entries match any size.

    ``expected`` is written the BoTorch way, e.g. ``(B, K, d)`` with the known sizes filled in.
    """
    if not isinstance(tensor, torch.Tensor):
        raise RLKitError(f"{name} must be a torch.Tensor of shape {_fmt(expected)}, got {type(tensor).__name__}")
    shape = tensor.shape
    if len(shape) == len(expected):
        for e, s in zip(expected, shape):  # a plain loop: this runs several times per round
            if e is not None and e != s:
                break
        else:
            return tensor
    raise RLKitError(f"{name} must have shape {_fmt(expected)}, got {tuple(shape)}")


def check_finite(name: str, tensor: torch.Tensor) -> torch.Tensor:
    """Raise if any entry is NaN or infinite (reads one number back to the host).

    A non-finite entry makes the sum non-finite, so a finite sum clears the tensor in two operations; a sum that
    is not finite (a bad entry, or finite entries overflowing) is settled entry by entry."""
    if not math.isfinite(tensor.sum()) and not bool(torch.isfinite(tensor).all()):
        bad = (~torch.isfinite(tensor)).nonzero()
        first = tuple(bad[0].tolist())
        raise RLKitError(
            f"{name} must be finite, got {tensor[first].item()} at index {first} "
            f"({int(bad.shape[0])} non-finite entries)"
        )
    return tensor


def _fmt(expected: Sequence) -> str:
    return "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"


def check_device(name: str, device) -> torch.device:
    """A torch device that exists here: ``"cpu"``, ``"cuda"``, ``"cuda:1"`` (with that many GPUs), ``"mps"``..."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise RLKitError(f"{name} must be a torch device such as 'cpu', 'cuda' or 'cuda:0', got {device!r}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise RLKitError(f"{name} must be an available device, got {str(dev)!r} but CUDA is not available here "
                             "(this torch build or machine has no GPU); use 'cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise RLKitError(f"{name} must be an available device, got {str(dev)!r} but only "
                             f"{torch.cuda.device_count()} CUDA device(s) exist")
    elif dev.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise RLKitError(f"{name} must be an available device, got 'mps' but MPS is not available here; use 'cpu'")
    elif dev.type not in ("cpu", "cuda", "mps", "meta") and not _backend_available(dev.type):
        raise RLKitError(f"{name} must be an available device, got {str(dev)!r}, a backend this torch cannot reach")
    if dev.index is None and dev.type not in ("cpu", "meta"):
        dev = torch.empty(0, device=dev).device  # "cuda" -> "cuda:<current>": what its tensors report
    return dev


def _backend_available(kind: str) -> bool:
    module = getattr(torch, kind, None)
    probe = getattr(module, "is_available", None)
    try:
        return bool(probe()) if callable(probe) else False
    except Exception:  # noqa: BLE001 - a broken backend is an unavailable one
        return False


def check_like(name: str, tensor: torch.Tensor, *, dtype: torch.dtype | None = None,
               device: torch.device | None = None) -> torch.Tensor:
    """``tensor`` has ``dtype`` and lives on ``device`` (metadata only: nothing is read from the tensor)."""
    if dtype is not None and tensor.dtype != dtype:
        raise RLKitError(f"{name} must have dtype {dtype} (the agent's dtype), got {tensor.dtype}; "
                         f"convert with .to({dtype}) or build the agent with dtype={tensor.dtype}")
    if device is not None and tensor.device != device:
        raise RLKitError(f"{name} must be on device {str(device)!r} (the agent's device), got a tensor on "
                         f"{str(tensor.device)!r}; move it with .to({str(device)!r})")
    return tensor


_INTEGER_DTYPES = frozenset(d for d in (getattr(torch, n, None) for n in (
    "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64")) if d is not None)


def check_integer_tensor(name: str, tensor: torch.Tensor, what: str) -> torch.Tensor:
    """``tensor`` has an integer dtype (metadata only); ``what`` says what its entries are."""
    if tensor.dtype not in _INTEGER_DTYPES:
        raise RLKitError(f"{name} must be {what} of an integer dtype (e.g. torch.long), got dtype {tensor.dtype}")
    return tensor


def resolve_device_dtype(device=None, dtype=None) -> tuple[torch.device, torch.dtype]:
    """Default device is the CPU; default dtype is float64 (float32 is allowed, and advised on GPUs)."""
    dev = check_device("device", device) if device is not None else torch.device("cpu")
    dt = dtype if dtype is not None else torch.float64
    if isinstance(dt, str):
        dt = getattr(torch, dt, None)
    if dt not in (torch.float32, torch.float64):
        raise RLKitError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    return dev, dt


def check_keys(what: str, table, accepted, where: str = "") -> None:
    """Refuse keys of a spec table outside ``accepted``: ``unknown <what> key(s) [...]<where>; accepted: [...]``."""
    bad = sorted(set(table) - set(accepted))
    if bad:
        raise SpecError(f"unknown {what} key(s) {bad}{where}; accepted: {sorted(accepted)}")


def agent_tables(agents):
    """Yield ``(i, table, label)`` for each ``[[agents]]`` table of a spec, checking what every kind needs: a
    non-empty list of tables, each with an ``algo``, labels (default: the algo) used once."""
    if not isinstance(agents, list) or not agents:
        raise SpecError("agents must be a non-empty list of [[agents]] tables")
    labels = set()
    for i, a in enumerate(agents):
        if not isinstance(a, dict) or "algo" not in a:
            raise SpecError(f"agents[{i}] must be a table with an 'algo' key, got {a!r}")
        label = str(a.get("label", a["algo"]))
        if label in labels:
            raise SpecError(f"agents[{i}]: label {label!r} is used twice; give each agent a distinct label")
        labels.add(label)
        yield i, a, label


def check_radius_choice(theory: bool, alpha) -> tuple[bool, float]:
    """``theory=True`` takes the paper's radius, so a tuned ``alpha`` must not be given with it; returns
    ``(theory, alpha)`` with ``alpha`` (the constant radius of ``theory=False``) defaulting to 1."""
    if theory and alpha is not None:
        raise RLKitError("alpha must be None when theory=True (the radius is the paper's beta_t), "
                         f"got alpha={alpha!r}; pass theory=False to use a tuned radius")
    return bool(theory), check_nonnegative("alpha", 1.0 if alpha is None else alpha)


def env_placement(env, device=None, dtype=None) -> dict:
    """``device`` and ``dtype`` for an agent built for ``env``: the given ones, else the environment's."""
    return {"device": getattr(env, "device", None) if device is None else device,
            "dtype": getattr(env, "dtype", None) if dtype is None else dtype}
