"""Benchmark kit: scorers (entities and events, line labels), baselines and exports to standard formats."""
