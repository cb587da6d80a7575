"""Recording both planes for research: NautilusTrader's data catalog, written crash-safe while the planes run."""
