"""Contextual gymnasium environments whose physics depends on one context parameter (CartPole, Pendulum): the
source and target tasks of MBTL."""
