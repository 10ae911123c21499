"""Speed benchmarks: scaled scenarios and independent comparison formulations (issue 9)."""
