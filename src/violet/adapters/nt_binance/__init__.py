"""Alpha plane: Binance USD-M perpetuals through NautilusTrader 1.221.0's Binance data client."""

from violet.adapters.nt_binance.feed import NtBinancePriceFeed, WrongEventLoop
from violet.adapters.nt_binance.settings import NtBinanceSettings

__all__ = ["NtBinancePriceFeed", "NtBinanceSettings", "WrongEventLoop"]
