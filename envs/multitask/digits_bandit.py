"""Multitask digits bandit: ``M`` reward rules over the same real images (scikit-learn's bundled 8x8 digits).

Real data with a real shared representation and no download: the 1,797 handwritten digits of
:func:`sklearn.datasets.load_digits` (UCI optical digits, bundled with scikit-learn). Every round every task
of every run is shown ``K`` images drawn uniformly with replacement from the dataset; a context is an image's
64 pixels scaled to unit norm. Task ``i`` values digit class ``c`` at ``theta_i[c]``: playing image ``x`` returns
``theta_i[label(x)] + sigma * eta``, ``eta ~ N(0, 1)``. So ``f_i(x) = <phi*(x), theta_i>`` with the shared
representation ``phi*(x) = onehot(label(x))`` (``k = 10``), which a learner must extract from pixels; the
heads differ per task. Rules (``rule=``, per run and task):

* ``"subset"`` (default): ``theta_i`` is the indicator of a random half of the ten digits ("is the digit one
  of task i's five?");
* ``"uniform"``: ``theta_i[c] ~ U[0, 1]``, a graded preference over digits.

``info`` carries every task's expected and optimal reward ``(B, M)``; ``labels`` gives the digit of every
shown image ``(B, M, K)`` (tests check the rewards follow the rule). Shapes: contexts ``(B, M, K, 64)``,
``theta: (B, M, 10)``, rewards ``(B, M)``.
"""

from __future__ import annotations

import numpy as np
import torch

from rlkit.core.checks import check_choice, check_nonnegative
from rlkit.core.seeding import BatchRNG
from rlkit.envs.multitask.base import BatchedMultitaskBanditEnv, SingleMultitaskBanditEnv

N_CLASSES = 10


def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits as unit-norm pixel vectors ``(1797, 64)`` and their labels ``(1797,)``."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = data.data.astype(np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True), data.target.astype(np.int64)


class MultitaskDigitsBandit(BatchedMultitaskBanditEnv):
    """Batched multitask bandit of reward rules over scikit-learn's 8x8 digit images, ``B`` runs by ``M`` tasks.

    Made by ``gymnasium.make_vec("rlkit/MultitaskDigitsBandit-v0", num_envs=B, vectorization_mode="vector_entry_point",
    n_tasks=M)``."""

    def __init__(self, num_envs: int = 1, n_tasks: int = 5, n_arms: int = 10, rule: str = "subset",
                 sigma: float = 0.1, device=None, dtype=None, max_episode_steps=None):
        images, labels = load_digit_images()
        super().__init__(num_envs, n_tasks, n_arms, images.shape[1], device, dtype, obs_bound=1.0)
        self.rule = check_choice("rule", rule, ("subset", "uniform"))
        self.sigma = check_nonnegative("sigma", sigma)
        self.images = torch.as_tensor(images, device=self.device, dtype=self.dtype)
        self.image_labels = torch.as_tensor(labels, device=self.device)

    def _sample_instance(self, rng: BatchRNG) -> None:
        gens = rng.numpy_generators("rules")
        if self.rule == "subset":
            sets = [[g.permutation(N_CLASSES) < N_CLASSES // 2 for _ in range(self.n_tasks)] for g in gens]
            theta = np.asarray(sets, dtype=np.float64)
        else:
            theta = np.stack([g.random((self.n_tasks, N_CLASSES)) for g in gens])
        self.theta = torch.as_tensor(theta, device=self.device, dtype=self.dtype)  # (B, M, 10)
        self._pick = self.rng.stream("images")
        self._noise = self.rng.stream("noise")
        self._draw_contexts()

    def _draw_contexts(self) -> None:
        n = self.images.shape[0]
        idx = (self._pick.uniform(self.n_tasks, self.n_arms) * n).long().clamp_max(n - 1)  # (B, M, K)
        self.labels = self.image_labels[idx]
        self._contexts = self.images[idx]
        self._means = self.theta.gather(-1, self.labels)  # theta_i[label], (B, M, K)

    def theory_params(self) -> dict:
        return {**super().theory_params(), "k": N_CLASSES, "sigma": self.sigma, "S": float(np.sqrt(N_CLASSES)),
                "L": 1.0}


class MultitaskDigitsBanditEnv(SingleMultitaskBanditEnv):
    """Single-instance ``gymnasium.make("rlkit/MultitaskDigitsBandit-v0")``."""

    batched_class = MultitaskDigitsBandit
