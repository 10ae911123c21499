"""Canonical scenarios derived from real agreements; installed as ``planner.seeds``."""
