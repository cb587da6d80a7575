"""Fails with a message naming what moved if the pinned NautilusTrader changes what the adapter relies on.

The spike this project comes from met `FUTURES` -> `USDT_FUTURE` and a removed `paper_trading` flag;
this is where the next such change of a public name shows up first. The private attributes and handlers violet
relies on are exercised by behaviour in test_nt_drift.py.
"""

from __future__ import annotations

import importlib
import importlib.metadata

import pytest

from violet.adapters.nt_binance.build import nt_major

PINNED = "1.231.0"


pytestmark = pytest.mark.skipif(nt_major() >= 2, reason="1.231's public names (2.0: test_nt2_drift.py)")


def test_pinned_version() -> None:
    installed = importlib.metadata.version("nautilus_trader")
    assert installed == PINNED, f"violet is validated against NautilusTrader {PINNED} only, found {installed}"


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            "nautilus_trader.adapters.binance",
            ["BinanceAccountType", "BinanceDataClientConfig", "BinanceLiveDataClientFactory"],
        ),
        ("nautilus_trader.config", ["LoggingConfig", "TradingNodeConfig", "ActorConfig"]),
        ("nautilus_trader.live.node", ["TradingNode"]),
        ("nautilus_trader.common.actor", ["Actor"]),
        ("nautilus_trader.model.identifiers", ["InstrumentId", "ClientId"]),
        ("nautilus_trader.core.nautilus_pyo3", ["WebSocketClient"]),
    ],
)
def test_imports(module: str, names: list[str]) -> None:
    mod = importlib.import_module(module)
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module} no longer provides {missing}"


def test_enum_and_config_fields() -> None:
    from nautilus_trader.adapters.binance import BinanceAccountType, BinanceDataClientConfig
    from nautilus_trader.config import TradingNodeConfig

    assert BinanceAccountType.USDT_FUTURES.name == "USDT_FUTURES", "BinanceAccountType.USDT_FUTURES moved"
    fields = set(BinanceDataClientConfig.__struct_fields__)
    wanted = {
        "account_type",
        "api_key",
        "api_secret",
        "base_url_http",
        "base_url_ws",
        "use_agg_trade_ticks",
        "instrument_provider",
    }
    assert wanted <= fields, f"BinanceDataClientConfig lost {wanted - fields}"
    node_fields = set(TradingNodeConfig.__struct_fields__)
    wanted_node = {
        "trader_id",
        "logging",
        "data_clients",
        "timeout_connection",
        "timeout_disconnection",
        "timeout_post_stop",
        "timeout_shutdown",
    }
    assert wanted_node <= node_fields, f"TradingNodeConfig lost {wanted_node - node_fields}"
