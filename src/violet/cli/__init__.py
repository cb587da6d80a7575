"""The `violet` command line."""
