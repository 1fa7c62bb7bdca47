"""rlkit's exceptions, importable without torch (the results store and the command line use them).

Every error rlkit raises for bad input is an :class:`RLKitError` (a :class:`ValueError`), whose message names
the argument, what was expected and what was given; the command line prints it as one line.
"""


class RLKitError(ValueError):
    """Bad input to an rlkit function, class or experiment spec."""


class SpecError(RLKitError):
    """An experiment spec (TOML) is malformed: unknown key, agent, environment or bad value."""
