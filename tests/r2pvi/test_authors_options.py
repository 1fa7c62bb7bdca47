"""The options that reproduce the R2PVI authors' code instead of the paper (experiments/r2pvi_linear_mdp_authors.toml):
the chi^2 infimum over [0, H], the TV threshold over observed next states, regressed rewards."""

import numpy as np
import pytest
import torch

from rlkit.baselines import PEVI
from rlkit.envs import Dataset, RobustLinearMDP, collect
from rlkit.r2pvi import R2PVI
from rlkit.r2pvi import divergences as D
from tests.placement import TKW


def objective(M, V, lam, a):
    """The chi^2 objective z1(a) - (z2(a) - z1(a)^2) / (4 lam) at thresholds ``a: (G,)``, by brute force."""
    capped = np.minimum(V[None, :], a[:, None])  # (G, N)
    z1, z2 = capped @ M.T, (capped**2) @ M.T  # (G, k)
    return z1 - (z2 - z1**2) / (4 * lam)


@pytest.mark.parametrize("seed", range(4))
def test_chi2_infimum_over_0_H_is_the_exact_minimum(seed):
    """Ridge-like signed weights: the exact infimum is below every point of a dense grid and within its spacing."""
    rng = np.random.default_rng(seed)
    N, k, H, lam = 9, 3, 3.0, float(rng.uniform(0.05, 1.0))
    V = rng.uniform(0.0, H, N)
    M = rng.normal(0.1, 0.2, (k, N))
    got = D.chi2(torch.tensor(M), torch.tensor(V), lam, "inf", a_max=H).numpy()
    grid = np.linspace(0.0, H, 200_001)
    brute = objective(M, V, lam, grid).min(0)
    assert np.all(got <= brute + 1e-12) and np.allclose(got, brute, atol=1e-6)
    sup = D.chi2(torch.tensor(M), torch.tensor(V), lam).numpy()  # the dual (a supremum) is not below it
    assert np.all(sup >= got - 1e-12)


def test_tv_threshold_over_observed_states_only():
    data = collect(RobustLinearMDP(**TKW), "uniform", 60, seed=5, replications=2)
    probes = R2PVI("tv", 0.1, beta=1.0, gamma=0.1, **TKW).fit(data).w
    observed = R2PVI("tv", 0.1, beta=1.0, gamma=0.1, tv_min="observed", **TKW).fit(data).w
    M, V = torch.tensor([[0.5, 0.5]]), torch.tensor([1.0, 2.0])
    assert D.tv(M, V, 0.5).item() == pytest.approx(0.5 * 1.0 + 0.5 * 1.5)  # min over the observed values
    assert probes.shape == observed.shape and not torch.equal(probes, observed)  # the fail state is a probe


def test_pevi_regressing_the_rewards_uses_them():
    env = RobustLinearMDP(**TKW)
    data = collect(env, "uniform", 40, seed=1)
    silent = Dataset(data.states, data.actions, torch.zeros_like(data.rewards), env)
    known = PEVI(beta=1.0, gamma=0.1, **TKW).fit(silent).w
    regressed = PEVI(beta=1.0, gamma=0.1, reward="regress", **TKW).fit(silent).w
    H = env.horizon
    assert torch.equal(known[:, H - 1], env.theta[H - 1].to(known.dtype).expand_as(known[:, H - 1]))
    assert torch.equal(regressed[:, H - 1], torch.zeros_like(regressed[:, H - 1]))  # no reward observed
