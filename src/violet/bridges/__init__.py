"""Bridges between a `violet feed` process and reactors: the wire formats both ends share."""
