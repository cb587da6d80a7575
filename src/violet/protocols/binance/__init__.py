"""Binance USD-M futures: market-data stream frames."""
