"""Episodic and offline RL agents."""
from rlkit.agents.episodic import EpisodicAgent
from rlkit.baselines.lsvi_ucb import LSVIUCB
from rlkit.baselines.pevi import PEVI
from rlkit.baselines.uniform_policy import UniformPolicy
from rlkit.gfucb.gfucb_mdp import GFUCBMDP
from rlkit.mdp.dilated_bonus_po import DilatedBonusPO
from rlkit.mdp.drpvi import DRPVI
from rlkit.mdp.drvi_l import DRVI_L
from rlkit.mdp.ftrl_logbarrier import FTRLLogBarrier
from rlkit.mdp.hf_ucrl_rfe import HFUCRLRFE
from rlkit.mdp.r2pvi import R2PVI
from rlkit.mdp.simulator import Simulator
from rlkit.mdp.ucrl_rfe import UCRLRFE
from rlkit.mdp.ucrl_rfe_plus import UCRLRFEPlus

__all__ = ["DRPVI", "DRVI_L", "PEVI", "R2PVI"]
__all__ += ["EpisodicAgent", "LSVIUCB", "UniformPolicy"]
__all__ += ["HFUCRLRFE", "UCRLRFE", "UCRLRFEPlus"]
__all__ += ["GFUCBMDP"]
__all__ += ["DilatedBonusPO", "FTRLLogBarrier", "Simulator"]
