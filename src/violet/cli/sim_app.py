"""`violet sim ...`: the venue wire simulators and their fault injection."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from violet.cli.sim_options import SimOptions, with_sim_options


class Routes(StrEnum):
    enforced = "enforced"
    lenient = "lenient"


sim_app = typer.Typer(help="Venue wire simulators on loopback (REST + WebSocket, faults, TLS).", no_args_is_help=True)


@sim_app.command("binance")
@with_sim_options
def sim_binance(
    opts: SimOptions,
    lifetime: Annotated[float, typer.Option(min=0.01, help="Connection lifetime in seconds (24 h).")] = 86_400.0,
    weight_limit: Annotated[int, typer.Option(min=1, help="REST request weight per minute per IP.")] = 2400,
    extra_tif: Annotated[list[str] | None, typer.Option(help="Extra timeInForce in exchangeInfo (e.g. RPI).")] = None,
    routes: Annotated[
        Routes, typer.Option(help="enforced: /public, /market and the public-only root, as live; lenient: all.")
    ] = Routes.enforced,
) -> None:
    """Serve the Binance USD-M simulator (fapi REST + fstream WS) until Ctrl-C.

    API keys it accepts come from VIOLET_SIM_CREDENTIALS (KEY:SECRET[,KEY:SECRET]); none by default,
    so a placeholder key is refused on signed endpoints exactly as Binance refuses it.

    Example: violet sim binance --port 0 --symbols 50 --rate 2000
    """
    import os

    from violet.sim.binance import BinanceSimConfig, BinanceSimulator

    creds = tuple(
        tuple(pair.split(":", 1)) for pair in os.environ.get("VIOLET_SIM_CREDENTIALS", "").split(",") if ":" in pair
    )
    cfg = BinanceSimConfig(
        **opts.config_fields(),
        max_lifetime_s=lifetime,
        weight_limit=weight_limit,
        extra_time_in_force=tuple(extra_tif or ()),
        credentials=creds,  # type: ignore[arg-type]
        routes=routes.value,
    )
    opts.serve(BinanceSimulator(cfg))


@sim_app.command("bingx")
@with_sim_options
def sim_bingx(
    opts: SimOptions,
    max_topics: Annotated[int, typer.Option(min=1, help="Topics per socket before 80403.")] = 200,
) -> None:
    """Serve the BingX perpetual-swap simulator (/swap-market gzip WS + swap REST quotes) until Ctrl-C.

    Example: violet sim bingx --port 0 --symbols 50 --rate 2000
    """
    from violet.sim.bingx import BingxSimConfig, BingxSimulator

    cfg = BingxSimConfig(**opts.config_fields(), max_topics=max_topics)
    opts.serve(BingxSimulator(cfg))


@sim_app.command("fault")
def sim_fault(
    url: Annotated[str, typer.Argument(help="The running simulator's http(s) base URL.")],
    spec: Annotated[
        str,
        typer.Argument(
            help="close:CODE, reset, stall, resume, delay:MS[:N], malformed[:N], "
            "truncated[:N], crossed[:N], zero[:N], negative[:N], nan[:N], "
            "duplicate[:N], out-of-order[:N], burst:N, silence:CHANNEL:MS, cascade:FACTOR:SECONDS "
            "(Binance also: exchange-info:451 / :200; BingX also: corrupt-gzip, text-frame, ping-storm:N, "
            "stale-push:N, contracts-need-timestamp)."
        ),
    ],
    conn: Annotated[int | None, typer.Option(help="Connection id (see /__sim/connections); all when omitted.")] = None,
) -> None:
    """Inject a fault into a running simulator's connections.

    Example: violet sim fault http://127.0.0.1:8765 close:1011
    """
    import urllib.request

    import msgspec

    body = msgspec.json.encode({"fault": spec, "conn": conn})
    req = urllib.request.Request(url.rstrip("/") + "/__sim/fault", data=body, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - a loopback test API
            typer.echo(resp.read().decode())
    except OSError as exc:
        typer.echo(f"fault not applied: {exc}", err=True)
        raise typer.Exit(1) from None
