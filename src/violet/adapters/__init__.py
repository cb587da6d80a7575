"""Adapters: each implements `VenuePriceFeedPort` over one real wire and hides its library."""
