"""Truncated backups in rlkit.core.dp (``clip``): against a direct loop, including where the cap binds."""

import torch

from rlkit.core import dp
from tests.placement import TKW


def test_clipped_backups_match_a_direct_loop(gen):
    H, S, A = 4, 3, 2
    # not a distribution (a model's P_theta)
    P = torch.rand(2, H, S, A, S, generator=gen, dtype=torch.float64).to(**TKW) * 0.8
    r = torch.rand(2, H, S, A, generator=gen, dtype=torch.float64).to(**TKW) * 0.6 - 0.1
    pi, Q, V = dp.optimal_policy(P, r, clip=(0.0, 1.0))
    V_ref = torch.zeros(2, H + 1, S, **TKW)
    for h in range(H - 1, -1, -1):
        q = (r[:, h] + (P[:, h] * V_ref[:, h + 1, None, None, :]).sum(-1)).clamp(0, 1)
        torch.testing.assert_close(Q[:, h], q)
        V_ref[:, h] = q.amax(-1)
    torch.testing.assert_close(V, V_ref)
    assert float(V.max()) == 1.0 and float(Q.min()) == 0.0  # both ends bind somewhere
    _, V_pi = dp.evaluate_policy(P, r, pi, clip=(0.0, 1.0))
    torch.testing.assert_close(V_pi, V)
    _, V_free = dp.evaluate_policy(P, r, pi)
    assert not torch.allclose(V_free, V)  # without clip the values differ
