"""Gymnasium environments of rlkit, registered under the ``rlkit/`` namespace."""
