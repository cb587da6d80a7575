"""`violet feed`: runs source adapters and publishes their ticks into a bridge."""
