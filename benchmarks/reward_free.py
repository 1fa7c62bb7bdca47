"""One exploration episode of HF-UCRL-RFE++: rlkit's batched tensor program vs a plain per-run numpy version.

Both do the same maths for every run: line 5 (capped DP under theta_tilde for every candidate reward, the
trajectory uncertainty V_hat of eq. 2.6.2 backwards, every first action at s_1), the episode's H steps, and lines
8-19 (moment features psi_{W^{2^m}}, HOME weights with the running matrices, 2M Sherman-Morrison updates per step).
rlkit runs all B runs at once (``HFUCRLRFE`` on the shared ``Covariance``); the peer loops over runs, steps,
states and moments in numpy with dense features, as one would write it from the thesis. Before timing, the peer is
checked against rlkit on one episode (same state, same trajectory: the same action and the same estimates).

    python benchmarks/reward_free.py [--runs 32] [--horizon 20] [--dim 4] [--moments 4] [--episodes 5]

Timings depend on the machine and on what else runs on it; the ratio is printed, never asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from rlkit.envs import LowerBoundMDP
from rlkit.reward_free import HFUCRLRFE


class NumpyHF:
    """HF-UCRL-RFE++ for one run in plain numpy (explicit loops; dense ``phi``)."""

    def __init__(self, agent: HFUCRLRFE, b: int):
        self.phi = agent.features.phi.numpy()  # (S, A, S, d)
        self.r = agent.explore_rewards.numpy()  # (C, H, S, A)
        self.s1, self.H, self.M = agent.start_state, agent.horizon, agent.moments
        self.alpha, self.gamma, self.beta_K = agent.alpha, agent.gamma, agent.beta_K
        self.inv = agent.vtr.cov.inverse[b].numpy().copy()  # (2, M, d, d) running inverses
        self.bvec = agent.vtr.b[b].numpy().copy()
        self.frozen = agent.frozen_inv[b].numpy().copy()
        self.theta = agent.theta_dot[b].numpy().copy()

    def plan(self):
        """Line 5 substitute: the chosen (candidate, first action), the policy (H, S) and the targets (2, H, S)."""
        phi, H, S, A = self.phi, self.H, self.phi.shape[0], self.phi.shape[1]
        theta = self.theta[1, 0]
        P = phi @ theta  # (S, A, S)
        inv_t, inv_h = self.frozen[1, 0], self.frozen[0, 0]
        best = (-1.0, None)
        for c in range(self.r.shape[0]):
            V, act = np.zeros((H + 1, S)), np.zeros((H, S), dtype=int)
            for h in range(H - 1, -1, -1):
                Q = np.clip(self.r[c, h] + P @ V[h + 1], 0, 1)
                act[h], V[h] = Q.argmax(1), Q.max(1)
            Vh = np.zeros((H + 1, S))
            for h in range(H - 1, 0, -1):
                for s in range(S):
                    Vh[h, s] = self._vhat(s, act[h, s], V[h + 1], Vh[h + 1], theta, inv_t, inv_h)
            for a in range(A):
                v = self._vhat(self.s1, a, V[1], Vh[1], theta, inv_t, inv_h)
                if v > best[0]:
                    pol = act.copy()
                    pol[0, self.s1] = a
                    best = (v, (pol, np.stack([Vh[1:], V[1:]])))
        return best[1]

    def _vhat(self, s, a, V_next, Vh_next, theta, inv_t, inv_h):
        pv, ph = self.phi[s, a].T @ V_next, self.phi[s, a].T @ Vh_next
        u = min(1.0, self.beta_K * np.sqrt(max(pv @ inv_t @ pv, 0)))
        return float(np.clip(u + 2 * self.beta_K * np.sqrt(max(ph @ inv_h @ ph, 0)) + ph @ theta, 0, 1))

    def update(self, states, actions, nexts, targets, beta_k):
        """Lines 8-19 for one trajectory: HOME weights and Sherman-Morrison updates, step by step."""
        M = self.M
        for h in range(self.H):
            s, a, n = states[h], actions[h], nexts[h]
            for i in range(2):
                W = targets[i, h]
                feats = [self.phi[s, a].T @ W ** (2**m) for m in range(M)]
                ys = [W[n] ** (2**m) for m in range(M)]
                pred = [np.clip(f @ self.theta[i, m], 0, 1) for m, f in enumerate(feats)]
                width = [np.sqrt(max(f @ self.frozen[i, m] @ f, 0)) for m, f in enumerate(feats)]
                for m in range(M):
                    if m < M - 1:
                        ale = pred[m + 1] - pred[m] ** 2 + min(1, 2 * beta_k * width[m]) + min(1, beta_k * width[m + 1])
                    else:
                        ale = 1.0
                    f, Si = feats[m], self.inv[i, m]
                    q = np.sqrt(max(f @ Si @ f, 0))
                    w = 1.0 / max(self.gamma**2 * q, ale, self.alpha**2)
                    u = Si @ f
                    self.inv[i, m] = Si - w * np.outer(u, u) / (1 + w * f @ u)
                    self.bvec[i, m] += w * ys[m] * f
        self.theta = np.einsum("imde,ime->imd", self.inv, self.bvec)
        self.frozen = self.inv.copy()

    def episode(self, P, rng, beta_k):
        """One full episode: plan, sample the trajectory from the true kernel ``P: (S, A, S)``, update."""
        pol, targets = self.plan()
        s, states, actions, nexts = self.s1, [], [], []
        for h in range(self.H):
            a = pol[h, s]
            n = int(rng.choice(P.shape[-1], p=P[s, a]))
            states.append(s), actions.append(a), nexts.append(n)
            s = n
        self.update(states, actions, nexts, targets, beta_k)


def rlkit_episode(env, agent, states):
    agent.begin_episode()
    for h in range(env.horizon):
        actions = agent.act(states, h)
        nxt, fb, _, _, _ = env.step(actions)
        agent.observe(states, actions, fb, nxt, h)
        states = nxt
    agent.end_episode()
    return env.next_episode()[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=32)
    p.add_argument("--horizon", type=int, default=20)
    p.add_argument("--dim", type=int, default=4)
    p.add_argument("--moments", type=int, default=4)
    p.add_argument("--episodes", type=int, default=5, help="timed episodes (after warm-up episodes)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    B, H = args.runs, args.horizon
    env = LowerBoundMDP(num_envs=B, dim=args.dim, horizon=H, gap=0.05)
    agent = HFUCRLRFE.for_env(env, episodes=1000, seed=0, beta_scale=5e-4, moments=args.moments,
                              confidence_set=False)
    with torch.inference_mode():
        states, _ = env.reset(seed=0)
        for _ in range(10):  # warm-up, and a non-trivial state to compare from
            states = rlkit_episode(env, agent, states)
        # check the peer against rlkit on one episode from the same state, on rlkit's trajectory
        peers = [NumpyHF(agent, b) for b in range(B)]
        k = agent.episode + 2
        agent.begin_episode()
        for b in range(3):
            pol, targets = peers[b].plan()
            assert np.array_equal(agent.policy()[b].argmax(-1).numpy()[0, agent.start_state], pol[0, agent.start_state])
            np.testing.assert_allclose(agent._targets[b].numpy(), targets, atol=1e-12)
        for h in range(H):
            actions = agent.act(states, h)
            nxt, fb, _, _, _ = env.step(actions)
            agent.observe(states, actions, fb, nxt, h)
            states = nxt
        buf = agent._buf.numpy()
        for b in range(3):
            peers[b].update(buf[0, b], buf[1, b], buf[2, b], agent._targets[b].numpy(), agent.radius(k))
        agent.end_episode()
        for b in range(3):
            np.testing.assert_allclose(agent.theta_dot[b].numpy(), peers[b].theta, rtol=1e-8, atol=1e-10)
        states = env.next_episode()[0]
        print(f"check: the numpy peer reproduces rlkit's line-5 choice and its {2 * args.moments} estimates")

        t0 = time.perf_counter()
        for _ in range(args.episodes):
            states = rlkit_episode(env, agent, states)
        t_rlkit = (time.perf_counter() - t0) / args.episodes
    P = env.transitions()[:, 0].numpy()
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for _ in range(args.episodes):
        for b in range(B):
            peers[b].episode(P[b], rng, agent.radius(k))
    t_numpy = (time.perf_counter() - t0) / args.episodes
    print(f"one exploration episode, B = {B} runs, H = {H}, d = {args.dim}, M = {args.moments}, "
          f"{args.threads} torch thread(s)")
    print(f"  rlkit (batched torch):   {t_rlkit * 1e3:9.1f} ms")
    print(f"  numpy (loop over runs):  {t_numpy * 1e3:9.1f} ms")
    print(f"  ratio numpy / rlkit:     {t_numpy / t_rlkit:9.1f}x")


if __name__ == "__main__":
    main()
