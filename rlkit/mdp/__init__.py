"""Episodic and offline RL agents."""
from rlkit.mdp.drpvi import DRPVI
from rlkit.mdp.drvi_l import DRVI_L
from rlkit.mdp.pevi import PEVI
from rlkit.mdp.r2pvi import R2PVI

__all__ = ["DRPVI", "DRVI_L", "PEVI", "R2PVI"]
