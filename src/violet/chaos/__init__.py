"""The chaos run: a seeded schedule of faults against the whole system, judged by an independent oracle."""
