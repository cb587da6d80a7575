"""Which route each Binance stream violet uses lands on, for a configured `ws_url`.

Binance serves stream categories on their own routes since 2026-04-23 (`/public`: bookTicker, depth, trade;
`/market`: aggTrade, markPrice, ...; the bare root: public only, anything else acked and then silent). NautilusTrader
routes its two data clients (the public one for bookTicker, the market one for aggTrade) with its own rule for
Binance's hosts and passes any other host unchanged; violet routes other hosts given without a route the same way
(`NtBinanceNode`). This module is that rule, so `violet config check` can say where each stream will go.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def stream_clients(trades: str = "aggTrade") -> dict[str, str]:
    """The streams violet uses and which of NT's clients carries each (`@trade` rides the public client)."""
    return {"bookTicker": "public", trades: "public" if trades == "trade" else "market"}


PUBLIC_KINDS = ("bookTicker", "trade", "depth", "rpiDepth")


def violet_routes(base_url_ws: str) -> tuple[str, str] | None:
    """(market, public) bases violet gives NT's clients for a non-Binance host named without a route; None when the
    URL names its route already (used as given)."""
    base = base_url_ws.rstrip("/")
    if urlsplit(base).path not in ("", "/"):
        return None
    return f"{base}/market", f"{base}/public"


def client_bases(base_url_ws: str) -> dict[str, str]:
    """The base URL NT's public and market clients connect to, for this `ws_url` (NautilusTrader's own rule for
    Binance's hosts, violet's for the others)."""
    from nautilus_trader.adapters.binance.common.urls import get_usdm_ws_route_base_url

    market = get_usdm_ws_route_base_url(base_url_ws, "market")
    public = get_usdm_ws_route_base_url(base_url_ws, "public")
    if market == public == base_url_ws and (ours := violet_routes(base_url_ws)) is not None:
        market, public = ours
    return {"market": market, "public": public}


def route_of(url: str) -> str:
    """ "public", "market", or "" (the legacy root) for a base URL."""
    first = urlsplit(url).path.strip("/").split("/")[0]
    return first if first in ("public", "market", "private") else ""


def serves(route: str, stream_kind: str) -> bool:
    public = stream_kind.startswith(PUBLIC_KINDS)
    return public if route in ("public", "") else route == "market" and not public


def misrouted_streams(base_url_ws: str, trades: str = "aggTrade") -> list[str]:
    """Streams violet uses that would land on a route that does not serve them (acked, then silent)."""
    bases = client_bases(base_url_ws)
    return [
        f"@{kind} would go to {bases[client]} (route {route_of(bases[client]) or 'root'}), which does not serve it"
        for kind, client in stream_clients(trades).items()
        if not serves(route_of(bases[client]), kind)
    ]
