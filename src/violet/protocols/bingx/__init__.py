"""BingX perpetual swap: WebSocket frames and symbols."""
