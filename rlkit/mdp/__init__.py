"""Episodic and offline RL agents."""
