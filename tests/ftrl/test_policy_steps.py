"""The exact batched FTRL steps against cvxpy, closed forms and their KKT conditions, on extreme inputs."""

import warnings

import cvxpy as cp
import numpy as np
import pytest
import torch
from scipy.optimize import brentq

from rlkit.core.checks import RLKitError
from rlkit.ftrl.policy_steps import log_barrier_step, softmax_step
from tests.placement import TKW, tol

# Clarabel at tight tolerances, with iterative refinement. It reaches them on most instances ("optimal", agreeing
# with the Newton solve to ~1e-12) and reports "optimal_inaccurate" on the others (errors up to ~1e-6): those are
# the reference solver's inaccuracy, so the 1e-9 agreement is asserted on every solve cvxpy calls optimal, and
# enough of them must be optimal for the test to mean something.
TIGHT = dict(solver="CLARABEL", tol_gap_abs=1e-14, tol_gap_rel=1e-14, tol_feas=1e-14, tol_ktratio=1e-12, max_iter=500,
             iterative_refinement_reltol=1e-16, iterative_refinement_abstol=1e-16, iterative_refinement_max_iter=100)


def _cvxpy_solve(L: np.ndarray, eta: float, regulariser: str) -> tuple[str, np.ndarray]:
    """The same problem in cvxpy (objective scaled by eta and shifted by min L: the same argmin, better scaled)."""
    p = cp.Variable(L.shape[0])
    x = eta * (L - L.min())
    reg = -cp.sum(cp.log(p)) if regulariser == "log_barrier" else -cp.sum(cp.entr(p))
    prob = cp.Problem(cp.Minimize(x @ p + reg), [cp.sum(p) == 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "solution may be inaccurate": handled through the status
        prob.solve(**TIGHT)
    return prob.status, p.value


def _random_cases(n: int):
    g = torch.Generator().manual_seed(11)
    for _ in range(n):
        A = int(torch.randint(2, 10, (1,), generator=g))
        eta = float(10 ** (3 * torch.rand(1, generator=g) - 1.5))
        L = float(10 ** (2 * torch.rand(1, generator=g) - 0.5)) * torch.randn(A, generator=g, dtype=torch.float64)
        yield L, eta


@pytest.mark.parametrize("regulariser", ["log_barrier", "negentropy"])
def test_steps_match_cvxpy(regulariser):
    step = log_barrier_step if regulariser == "log_barrier" else softmax_step
    optimal = 0
    for L, eta in _random_cases(30):
        p = step(L[None], eta)[0].numpy()
        status, ref = _cvxpy_solve(L.numpy(), eta, regulariser)
        if status == "optimal":
            optimal += 1
            np.testing.assert_allclose(p, ref, atol=1e-9, rtol=0)
    assert optimal >= 5, f"only {optimal} of 30 cvxpy solves reached its tolerances"


def test_kkt_residual_bracket_and_shift_invariance():
    g = torch.Generator().manual_seed(0)
    L = 5 * torch.randn(3, 4, 7, generator=g, dtype=torch.float64).to(**TKW) - 2.0  # any batch shape
    eta = 0.8
    p, lam = log_barrier_step(L, eta, return_multiplier=True)
    assert p.shape == L.shape and bool((p > 0).all())
    # float32: p sums 7 entries, the KKT residual cancels 1 / (eta p) against L + lam (size ~10), and a shift by
    # c = 1e4 rounds L + c at 1e4 * 2**-24 ~ 6e-4, which moves p by eta * p^2 times that
    torch.testing.assert_close(p.sum(-1), torch.ones(3, 4, **TKW), atol=tol(1e-14, 1e-6), rtol=0)
    assert float((L - 1.0 / (eta * p) + lam.unsqueeze(-1)).abs().max()) < tol(1e-10, 1e-4)
    low = -L.amin(-1)
    eps = tol(1e-12, 1e-5)
    assert bool(((lam >= low + 1 / eta - eps) & (lam <= low + L.shape[-1] / eta + eps)).all())
    for c in (-1e3, 7.5, 1e4):
        torch.testing.assert_close(log_barrier_step(L + c, eta), p, atol=tol(1e-12, 1e-4 * abs(c) ** 0.5), rtol=0)


def _brentq_log_barrier(L: np.ndarray, eta: float) -> np.ndarray:
    """Reference: the multiplier by bracketing root-finding on the KKT equation (no Newton)."""
    x = eta * (L - L.min())
    mu = brentq(lambda m: np.sum(1.0 / (x + m)) - 1.0, 1.0, float(L.size), xtol=1e-15, rtol=1e-15)
    p = 1.0 / (x + mu)
    return p / p.sum()


@pytest.mark.parametrize("row", [[1e6, 0.0, 0.0], [-1e6, 0.0, 0.0], [3.0, 3.0, 3.0, 3.0], [-1e3, -1e3, 5.0],
                                 [-1e3, -999.0, -998.5, 0.0], [1e6, -1e6, 0.0, 1e6], [0.0]])
def test_extreme_losses(row):
    L = torch.tensor([row], **TKW)
    p = log_barrier_step(L, 0.5)
    assert bool(torch.isfinite(p).all() & (p > 0).all())
    # float32: a Newton solve on entries up to 1e6, good to a few 2**-24 relative to p
    np.testing.assert_allclose(p[0].cpu().numpy(), _brentq_log_barrier(np.array(row), 0.5), atol=tol(1e-12, 1e-6),
                               rtol=tol(1e-10, 1e-5))
    if len(set(row)) == 1:
        torch.testing.assert_close(p, torch.full_like(p, 1 / len(row)), atol=tol(1e-15, 1e-7), rtol=0)


def test_tensor_eta_per_row_and_float32():
    L = torch.tensor([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]], **TKW)
    p = log_barrier_step(L, torch.tensor([0.5, 2.0], **TKW))
    torch.testing.assert_close(p[0], log_barrier_step(L[:1], 0.5)[0])
    torch.testing.assert_close(p[1], log_barrier_step(L[:1], 2.0)[0])
    p32 = log_barrier_step(L.float(), 0.5)
    torch.testing.assert_close(p32[0].to(p.dtype), p[0], atol=1e-6, rtol=0)


def test_softmax_step_extremes():
    p = softmax_step(torch.tensor([[1e6, -1e6, 0.0], [2.0, 2.0, 2.0]], **TKW), 1.0)
    torch.testing.assert_close(p, torch.tensor([[0.0, 1.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], **TKW))


@pytest.mark.parametrize("step", [log_barrier_step, softmax_step])
def test_bad_input(step):
    L = torch.zeros(2, 3, **TKW)
    for eta in (0.0, -1.0, float("nan")):
        with pytest.raises(RLKitError, match="eta"):
            step(L, eta)
    with pytest.raises(RLKitError, match="eta"):
        step(L, torch.tensor([1.0, 0.0], **TKW))
    with pytest.raises(RLKitError, match="finite"):
        step(torch.tensor([[0.0, float("nan")]]), 1.0)
    with pytest.raises(RLKitError, match="floating-point tensor"):
        step(torch.zeros(2, 3, dtype=torch.long), 1.0)
