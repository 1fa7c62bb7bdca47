"""The SUMO traffic signal (through sumo-rl on libsumo, one simulation per process), its generated networks and a
process-isolated vector env. SUMO is imported only when an environment is built."""
