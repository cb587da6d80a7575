"""Venue plane: BingX perpetual swap through violet's own WebSocket client."""
