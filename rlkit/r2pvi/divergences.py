"""Duals of the f-divergence regularised (and constrained) worst-case expectations, batched.

Tang, Liu & Xu, "Robust Offline RL with Linearly Structured f-Divergence Regularization" (ICML 2025,
arXiv 2411.18612): in a d-rectangular linear robust regularised MDP the adversary perturbs each factor
distribution ``mu0_i`` and pays ``lam * D_f(mu || mu0_i)``; the step value needs

    w_i = inf_mu { E_mu V + lam D_f(mu || mu0_i) }                                    (primal)

whose duals need no convex solver:

* TV (``D = 1/2 ||mu - mu0||_1``):  ``w_i = E_{mu0_i} [V]_{min V + lam}``  (``[x]_a = min(x, a)``),
* KL:                               ``w_i = -lam log E_{mu0_i} exp(-V / lam)``,
* chi^2:                            ``w_i = sup_{a in [min V, max V]} E[V]_a - Var([V]_a) / (4 lam)``.

Every function here takes the expectation operator as a weight matrix ``M: (*b, k, N)`` acting on
values ``V: (*b, N)``: ``E_{mu_i} g(V) ~ sum_tau M[i, tau] g(V_tau)``. With ``M = p[None]`` (a probability
vector over a finite support) it is the exact dual; with ``M = Lambda^{-1} Phi^T`` (ridge regression of
``g(V(s'_tau))`` on ``phi(s_tau, a_tau)``) it is the paper's estimator of all ``k = d`` coordinates at once.
Signed weights (ridge) are allowed; the KL estimator is clamped as in the paper,
``-lam log max(z, exp(-H / lam))``.

The chi^2 objective is piecewise quadratic in the threshold ``a`` with breakpoints at the values
``V_tau``: after one sort, each segment's maximum is taken in closed form, so the supremum is exact
(the authors' code runs Nelder-Mead per coordinate; see the notes). The constrained TV-ball dual of DRPVI
(``max_{a in [0, H]} z(a) - rho a``) is piecewise linear on the same breakpoints and reuses the sorted
cumulative sums.

Shapes: ``M: (*b, k, N)``, ``V: (*b, N)``, results ``(*b, k)``.
"""

from __future__ import annotations

import torch

from rlkit.core.checks import RLKitError, check_positive

__all__ = ["tv", "kl", "chi2", "tv_ball", "kl_ball", "sorted_segments"]


def _check(M: torch.Tensor, V: torch.Tensor) -> None:
    if M.dim() < 2 or V.dim() != M.dim() - 1 or M.shape[:-2] != V.shape[:-1] or M.shape[-1] != V.shape[-1]:
        raise RLKitError(f"M must have shape (*b, k, N) and V shape (*b, N); "
                         f"got M {tuple(M.shape)}, V {tuple(V.shape)}")
    if V.shape[-1] == 0:
        raise RLKitError("V must hold at least one value (N >= 1), got N = 0")


def tv(M: torch.Tensor, V: torch.Tensor, lam: float, v_min: torch.Tensor | None = None) -> torch.Tensor:
    """TV dual ``E[V]_{min V + lam}``; ``v_min: (*b,)`` is ``min_s V(s)`` (default: the minimum of ``V``)."""
    _check(M, V)
    lam = check_positive("lam", lam)
    if v_min is None:
        v_min = V.min(-1).values
    cap = (v_min + lam).unsqueeze(-1)
    return (M @ torch.minimum(V, cap).unsqueeze(-1)).squeeze(-1)


def kl(M: torch.Tensor, V: torch.Tensor, lam: float, cap: float | None = None) -> torch.Tensor:
    """KL dual ``-lam log E exp(-V / lam)``, computed stably by factoring out ``exp(-min V / lam)``.

    ``cap`` (the paper's ``H``) clamps the estimate ``z`` at ``exp(-cap / lam)`` so that a non-positive ridge
    estimate gives ``cap`` instead of ``inf``; ``None`` leaves it unclamped (exact duals with ``M >= 0``).
    """
    _check(M, V)
    lam = check_positive("lam", lam)
    v0 = V.min(-1).values
    y = (M @ torch.exp(-(V - v0.unsqueeze(-1)) / lam).unsqueeze(-1)).squeeze(-1)  # z = exp(-v0/lam) * y
    tiny = torch.finfo(V.dtype).tiny
    w = v0.unsqueeze(-1) - lam * torch.log(y.clamp_min(tiny))
    if cap is not None:
        w = torch.where(y > 0, w.clamp_max(cap), torch.full_like(w, float(cap)))
    return w


def sorted_segments(M: torch.Tensor, V: torch.Tensor):
    """Sort ``V`` once and return the cumulative sums that make ``z(a) = M [V]_a`` piecewise in ``a``.

    Returns ``vs: (*b, N)`` (sorted values), and ``S1, S2, T: (*b, k, N)`` such that for
    ``a in [vs_j, vs_{j+1}]``: ``M [V]_a = S1_j + a T_j`` and ``M [V]_a^2 = S2_j + a^2 T_j``
    (``S1_j = sum_{t <= j} M_t vs_t``, ``S2_j = sum_{t <= j} M_t vs_t^2``, ``T_j = sum_{t > j} M_t``).
    """
    vs, order = torch.sort(V, dim=-1)
    Ms = torch.gather(M, -1, order.unsqueeze(-2).expand_as(M))
    S1 = torch.cumsum(Ms * vs.unsqueeze(-2), -1)
    S2 = torch.cumsum(Ms * (vs * vs).unsqueeze(-2), -1)
    total = Ms.sum(-1, keepdim=True)
    T = total - torch.cumsum(Ms, -1)
    return vs, S1, S2, T


ROW_CHUNK_ELEMENTS = 1 << 20  # coordinates are processed in chunks of about this many (row x N) entries


def _by_rows(fn, M: torch.Tensor, V: torch.Tensor, *row_args):
    """``fn(M_chunk, V, *row_args_chunk)`` over chunks of the ``k`` rows of ``M``, concatenated: a memory bound.

    The sorted-segment searches build several ``(*b, k, N)`` temporaries; chunking the coordinates keeps
    them cache-sized for large ``N`` (the work is the same, the memory traffic much smaller).
    """
    rows = max(1, ROW_CHUNK_ELEMENTS // max(1, M[..., :1, :].numel()))
    if M.shape[-2] <= rows:
        return fn(M, V, *row_args)
    parts = []
    for i in range(0, M.shape[-2], rows):
        args = [x[..., i:i + rows] if isinstance(x, torch.Tensor) and x.dim() > 0 else x for x in row_args]
        parts.append(fn(M[..., i:i + rows, :], V, *args))
    return torch.cat(parts, -1)


def chi2(M: torch.Tensor, V: torch.Tensor, lam: float, search: str = "sup", a_max: float | None = None) -> torch.Tensor:
    """chi^2 dual ``sup_{a in [min V, max V]} z1(a) - (z2(a) - z1(a)^2) / (4 lam)``, exact.

    ``search="inf"`` gives instead the *infimum* of the same objective over ``a in [0, a_max]``, which is
    what the authors' simulated-linear-MDP script computes (their Nelder-Mead minimises over ``[0, H]``; it is
    not the dual, which is a supremum); exact too (:func:`_chi2_inf_rows`). It exists to reproduce their
    numbers, not as an estimator.

    ``z1(a) = M [V]_a`` and ``z2(a) = M [V]_a^2``. On each segment ``[vs_j, vs_{j+1}]`` the objective is the
    quadratic ``A0 + A1 a + A2 a^2`` with ``A2 = c T (T - 1)``, ``A1 = T (1 + 2 c S1)``,
    ``A0 = S1 - c S2 + c S1^2`` (``c = 1 / (4 lam)``); the objective is continuous in ``a``, so its maximum
    is at a breakpoint ``vs_j`` or at a segment's vertex ``-A1 / (2 A2)`` (value ``A0 - A1^2 / (4 A2)``)
    when ``A2 < 0`` and the vertex lies inside the segment. The result is the largest of these.
    """
    _check(M, V)
    lam = check_positive("lam", lam)
    if search == "inf":
        return _by_rows(_chi2_inf_rows, M, V, 0.25 / lam, check_positive("a_max", a_max))
    if search != "sup":
        raise RLKitError(f"search must be 'sup' (the dual) or 'inf' (the authors' linear-MDP script), got {search!r}")
    return _by_rows(_chi2_rows, M, V, 0.25 / lam)


def _chi2_inf_rows(M: torch.Tensor, V: torch.Tensor, c: float, a_max: float) -> torch.Tensor:
    """``min_{a in [0, a_max]}`` of the chi^2 objective: the same quadratic pieces as :func:`_chi2_rows` with the
    interval ends as zero-weight breakpoints; the minimum is at a breakpoint or at the vertex of a convex piece."""
    ends = torch.tensor([0.0, a_max], dtype=V.dtype, device=V.device).expand(*V.shape[:-1], 2)
    Vx = torch.cat([V, ends], -1)
    Mx = torch.cat([M, M.new_zeros(*M.shape[:-1], 2)], -1)
    vs, S1, S2, T = sorted_segments(Mx, Vx)
    lo = vs.unsqueeze(-2)
    hi = torch.cat([vs[..., 1:], vs[..., -1:]], -1).unsqueeze(-2)
    A2 = c * T * (T - 1.0)
    A1 = T * (1.0 + 2.0 * c * S1)
    A0 = S1 - c * S2 + c * S1 * S1
    ok = (lo >= 0) & (lo <= a_max)
    best = torch.where(ok, A0 + lo * (A1 + lo * A2), torch.full_like(A0, torch.inf))
    convex = A2 > 0
    den = torch.where(convex, A2, torch.ones_like(A2))
    vertex = -0.5 * A1 / den
    inside = convex & ok & (vertex > lo) & (vertex < hi) & (vertex <= a_max)
    best = torch.where(inside, torch.minimum(best, A0 - 0.25 * A1 * A1 / den), best)
    return best.min(-1).values


def _chi2_rows(M: torch.Tensor, V: torch.Tensor, c: float) -> torch.Tensor:
    vs, S1, S2, T = sorted_segments(M, V)
    lo = vs.unsqueeze(-2)  # segment j starts at vs_j; the last "segment" is the point vs_{N-1}
    hi = torch.cat([vs[..., 1:], vs[..., -1:]], -1).unsqueeze(-2)
    A2 = c * T * (T - 1.0)
    A1 = T * (1.0 + 2.0 * c * S1)
    A0 = S1 - c * S2 + c * S1 * S1
    best = A0 + lo * (A1 + lo * A2)  # the objective at every breakpoint
    concave = A2 < 0
    den = torch.where(concave, A2, torch.full_like(A2, -1.0))
    vertex = -0.5 * A1 / den
    inside = concave & (vertex > lo) & (vertex < hi)
    best = torch.where(inside, torch.maximum(best, A0 - 0.25 * A1 * A1 / den), best)
    return best.max(-1).values


def tv_ball(M: torch.Tensor, V: torch.Tensor, rho: torch.Tensor | float, a_max: float) -> torch.Tensor:
    """Constrained TV-ball dual of DRPVI (Liu & Xu 2024): ``max_{a in [0, a_max]} M [V]_a - rho a``.

    Assumes ``min_s V(s) = 0`` (a fail state), as DRPVI does. ``rho``: scalar or ``(*b, k)`` (a radius per
    factor). The objective is piecewise linear with kinks at the values of ``V``, so the maximum is at
    ``0``, ``a_max`` or one of the values inside ``[0, a_max]``: evaluated exactly at all of them.
    """
    _check(M, V)
    a_max = check_positive("a_max", a_max)
    rho = torch.as_tensor(rho, dtype=V.dtype, device=V.device)
    return _by_rows(_tv_ball_rows, M, V, rho, a_max)


def _tv_ball_rows(M: torch.Tensor, V: torch.Tensor, rho: torch.Tensor, a_max: float) -> torch.Tensor:
    ends = torch.tensor([0.0, a_max], dtype=V.dtype, device=V.device).expand(*V.shape[:-1], 2)
    Vx = torch.cat([V, ends], -1)  # the interval ends as breakpoints carrying zero weight
    Mx = torch.cat([M, M.new_zeros(*M.shape[:-1], 2)], -1)
    vs, S1, _, T = sorted_segments(Mx, Vx)
    a = vs.unsqueeze(-2)
    val = S1 + a * T - (rho.unsqueeze(-1) if rho.dim() > 0 else rho) * a
    ok = (a >= 0) & (a <= a_max)
    return torch.where(ok, val, torch.full_like(val, -torch.inf)).max(-1).values


def kl_ball(M: torch.Tensor, V: torch.Tensor, rho: torch.Tensor | float, a_max: float,
            grid: int = 64, refine: int = 24) -> torch.Tensor:
    """Constrained KL-ball dual of DRVI-L: ``sup_{a > 0} -a log z(a) - a rho``, ``z(a) = E exp(-V / a)``.

    ``z`` is estimated centred, ``z(a) = 1 + M (exp(-V / a) - 1)`` (as the authors' code does): with exact
    weights (rows of ``M`` summing to one) it is ``M exp(-V / a)``; with ridge weights the shrinkage pulls
    ``z`` towards 1 (``V = 0``, pessimistic) rather than towards 0 (optimistic). One dimensional and concave
    in ``a`` for a true distribution; not piecewise, so it is searched: a shared log-spaced grid of ``grid``
    points on ``[1e-4 a_max, a_max]`` (one matrix product for all coordinates) locates each coordinate's
    bracket, then ``refine`` golden-section steps per coordinate (batched) polish it. A non-positive ``z``
    gives ``a_max`` (the clamp ``z >= exp(-a_max / a)`` of the KL estimator).
    """
    _check(M, V)
    a_max = check_positive("a_max", a_max)
    rho = torch.as_tensor(rho, dtype=V.dtype, device=V.device)
    v0 = V.min(-1, keepdim=True).values  # (*b, 1)
    dV = V - v0
    c = 1.0 - M.sum(-1)  # (*b, k): z = c + exp(-v0 / a) y with y = M exp(-(V - v0) / a)
    c = torch.where(c.abs() < 1e-12, torch.zeros_like(c), c)
    tiny = torch.finfo(V.dtype).tiny

    def objective(y, a, r, v, c):
        # -a log z - a rho, with log z = logaddexp(log c, -v/a + log y) when both terms are non-negative.
        t = -v / a + torch.log(y.clamp_min(tiny))
        easy = (y > 0) & (c >= 0)
        logz_easy = torch.where(c > 0, torch.logaddexp(torch.log(c.clamp_min(tiny)), t), t)
        z = c + torch.exp(-v / a) * y
        logz = torch.where(easy, logz_easy, torch.log(z.clamp_min(tiny)))
        val = torch.where(easy | (z > 0), -a * logz, torch.full_like(logz, a_max))
        return val.clamp_max(a_max) - a * r

    grid_a = torch.logspace(-4, 0, grid, dtype=V.dtype, device=V.device) * a_max  # (G,)
    E = torch.exp(-dV.unsqueeze(-1) / grid_a)  # (*b, N, G)
    Y = M @ E  # (*b, k, G)
    vals = objective(Y, grid_a, rho.unsqueeze(-1) if rho.dim() > 0 else rho, v0.unsqueeze(-1), c.unsqueeze(-1))
    j = vals.argmax(-1, keepdim=True)  # (*b, k, 1)
    lo = grid_a[(j - 1).clamp_min(0)].squeeze(-1)
    hi = grid_a[(j + 1).clamp_max(grid - 1)].squeeze(-1)
    best = vals.gather(-1, j).squeeze(-1)
    g = (5 ** 0.5 - 1) / 2

    def at(a):  # a: (*b, k) -> objective per coordinate, z_i(a_i) = sum_tau M_i,tau exp(-dV_tau / a_i)
        y = (M * torch.exp(-dV.unsqueeze(-2) / a.unsqueeze(-1))).sum(-1)
        return objective(y, a, rho, v0, c)

    x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
    f1, f2 = at(x1), at(x2)
    for _ in range(refine):
        left = f1 >= f2
        hi = torch.where(left, x2, hi)
        lo = torch.where(left, lo, x1)
        x_new = torch.where(left, hi - g * (hi - lo), lo + g * (hi - lo))
        f_new = at(x_new)
        x1, x2, f1, f2 = (torch.where(left, x_new, x2), torch.where(left, x1, x_new),
                          torch.where(left, f_new, f2), torch.where(left, f1, f_new))
    return torch.maximum(best, torch.maximum(f1, f2))
