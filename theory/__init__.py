"""The papers' bounds as plain functions."""
