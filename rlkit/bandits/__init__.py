"""Online bandit agents, batched over runs."""
