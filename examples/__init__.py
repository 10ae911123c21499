"""Small teaching scenarios; installed as ``planner.examples`` (``planner init minimal DIR``)."""
