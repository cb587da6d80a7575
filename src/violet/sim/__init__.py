"""Wire simulators of the venues. They share no protocol code with the adapters (import-linter)."""
