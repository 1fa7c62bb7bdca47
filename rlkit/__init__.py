"""rlkit: provably efficient bandit and reinforcement-learning algorithms, batched over runs in torch."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rlkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

from rlkit.core.errors import RLKitError  # noqa: E402

__all__ = ["Covariance", "RLKitError", "__version__"]


def __getattr__(name):  # ``rlkit.Covariance`` without importing torch with ``import rlkit``
    if name == "Covariance":
        from rlkit.core.linalg import Covariance

        return Covariance
    raise AttributeError(f"module 'rlkit' has no attribute {name!r}")
