"""`violet sim ...`: the venue wire simulators and their fault injection."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer


class Profile(StrEnum):
    live = "live"
    uniform = "uniform"


class Routes(StrEnum):
    enforced = "enforced"
    lenient = "lenient"


sim_app = typer.Typer(help="Venue wire simulators on loopback (REST + WebSocket, faults, TLS).", no_args_is_help=True)

HostOption = Annotated[str, typer.Option(help="Address to bind; loopback only unless --allow-remote.")]
PortOption = Annotated[int, typer.Option(min=0, max=65535, help="Port to bind; 0 picks a free one (printed).")]
SymbolsOption = Annotated[int, typer.Option(min=1, max=200, help="Number of simulated perpetuals.")]
RateOption = Annotated[float, typer.Option(min=0.001, help="Aggregate market events per second.")]
SeedOption = Annotated[int, typer.Option(help="Seed of the random walk.")]
TlsOption = Annotated[bool, typer.Option("--tls", help="Serve https/wss with a CA generated at start.")]
AllowRemoteOption = Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback bind.")]
ReplayOption = Annotated[Path | None, typer.Option("--replay", help="JSONL(.gz) recording to replay.")]
SpeedOption = Annotated[float, typer.Option(min=0, help="Replay speed factor; 0 = as fast as possible.")]
NoMarketOption = Annotated[bool, typer.Option("--no-market", help="No random walk (replay or inject only).")]
DurationOption = Annotated[float | None, typer.Option(min=0.1, help="Stop after this many seconds.")]
ProfileOption = Annotated[
    Profile,
    typer.Option(help="live: the venue as measured (shared market, cadences, routes); uniform: a fixed-rate walk."),
]
BurstOption = Annotated[
    str | None,
    typer.Option(
        "--burst", help="FACTOR:SECONDS[:EVERY]: the rate times FACTOR for SECONDS, every EVERY s (default 60)."
    ),
]

CadenceOption = Annotated[
    Path | None,
    typer.Option(
        "--cadence-from",
        exists=True,
        dir_okay=False,
        help="A `violet record` file: each stream speaks at its recorded inter-arrival times (prices stay ours).",
    ),
]


def parse_burst(spec: str | None) -> tuple[tuple[float, float] | None, float]:
    """`--burst` as ((factor, seconds), every_s); a typed CLI error for anything else."""
    if spec is None:
        return None, 60.0
    try:
        parts = [float(p) for p in spec.split(":")]
    except ValueError:
        parts = []
    if len(parts) not in (2, 3) or min(parts) <= 0:
        raise typer.BadParameter("FACTOR:SECONDS[:EVERY], all > 0 (e.g. 20:5:60)", param_hint="--burst")
    return (parts[0], parts[1]), parts[2] if len(parts) == 3 else 60.0


def _common(
    *,
    host: str,
    port: int,
    symbols: int,
    rate: float,
    seed: int,
    tls: bool,
    allow_remote: bool,
    profile: Profile,
    burst: str | None,
    cadence_from: Path | None,
    no_market: bool,
) -> dict[str, Any]:
    """The options every simulator shares, as `SimConfig` fields."""
    bursts, every = parse_burst(burst)
    return {
        "host": host,
        "port": port,
        "symbols": symbols,
        "rate_hz": rate,
        "seed": seed,
        "tls": tls,
        "allow_remote": allow_remote,
        "market": not no_market,
        "profile": profile.value,
        "burst": bursts,
        "burst_every_s": every,
        "cadence_from": None if cadence_from is None else str(cadence_from),
    }


@sim_app.command("binance")
def sim_binance(
    host: HostOption = "127.0.0.1",
    port: PortOption = 0,
    symbols: SymbolsOption = 5,
    rate: RateOption = 100.0,
    seed: SeedOption = 1,
    tls: TlsOption = False,
    allow_remote: AllowRemoteOption = False,
    ping_interval: Annotated[float, typer.Option(min=0.01, help="Seconds between server pings.")] = 180.0,
    pong_timeout: Annotated[float, typer.Option(min=0.01, help="Drop a client silent this long.")] = 600.0,
    lifetime: Annotated[float, typer.Option(min=0.01, help="Connection lifetime in seconds (24 h).")] = 86_400.0,
    weight_limit: Annotated[int, typer.Option(min=1, help="REST request weight per minute per IP.")] = 2400,
    extra_tif: Annotated[list[str] | None, typer.Option(help="Extra timeInForce in exchangeInfo (e.g. RPI).")] = None,
    routes: Annotated[
        Routes, typer.Option(help="enforced: /public, /market and the public-only root, as live; lenient: all.")
    ] = Routes.enforced,
    profile: ProfileOption = Profile.live,
    burst: BurstOption = None,
    cadence_from: CadenceOption = None,
    replay_file: ReplayOption = None,
    speed: SpeedOption = 1.0,
    no_market: NoMarketOption = False,
    duration: DurationOption = None,
) -> None:
    """Serve the Binance USD-M simulator (fapi REST + fstream WS) until Ctrl-C.

    API keys it accepts come from VIOLET_SIM_CREDENTIALS (KEY:SECRET[,KEY:SECRET]); none by default,
    so a placeholder key is refused on signed endpoints exactly as Binance refuses it.

    Example: violet sim binance --port 0 --symbols 50 --rate 2000
    """
    import os

    from violet.cli.sim_command import run_sim
    from violet.sim.binance import BinanceSimConfig, BinanceSimulator

    creds = tuple(
        tuple(pair.split(":", 1)) for pair in os.environ.get("VIOLET_SIM_CREDENTIALS", "").split(",") if ":" in pair
    )
    common = _common(
        host=host,
        port=port,
        symbols=symbols,
        rate=rate,
        seed=seed,
        tls=tls,
        allow_remote=allow_remote,
        profile=profile,
        burst=burst,
        cadence_from=cadence_from,
        no_market=no_market,
    )
    cfg = BinanceSimConfig(
        **common,
        ping_interval_s=ping_interval,
        pong_timeout_s=pong_timeout,
        max_lifetime_s=lifetime,
        weight_limit=weight_limit,
        extra_time_in_force=tuple(extra_tif or ()),
        credentials=creds,  # type: ignore[arg-type]
        routes=routes.value,
    )
    run_sim(BinanceSimulator(cfg), duration=duration, replay_path=replay_file, speed=speed)


@sim_app.command("bingx")
def sim_bingx(
    host: HostOption = "127.0.0.1",
    port: PortOption = 0,
    symbols: SymbolsOption = 5,
    rate: RateOption = 100.0,
    seed: SeedOption = 1,
    tls: TlsOption = False,
    allow_remote: AllowRemoteOption = False,
    ping_interval: Annotated[float, typer.Option(min=0.01, help="Seconds between gzip 'Ping' frames.")] = 5.0,
    pong_timeout: Annotated[float, typer.Option(min=0.01, help="Drop (1006) a client silent this long.")] = 30.0,
    max_topics: Annotated[int, typer.Option(min=1, help="Topics per socket before 80403.")] = 200,
    profile: ProfileOption = Profile.live,
    burst: BurstOption = None,
    cadence_from: CadenceOption = None,
    replay_file: ReplayOption = None,
    speed: SpeedOption = 1.0,
    no_market: NoMarketOption = False,
    duration: DurationOption = None,
) -> None:
    """Serve the BingX perpetual-swap simulator (/swap-market gzip WS + swap REST quotes) until Ctrl-C.

    Example: violet sim bingx --port 0 --symbols 50 --rate 2000
    """
    from violet.cli.sim_command import run_sim
    from violet.sim.bingx import BingxSimConfig, BingxSimulator

    common = _common(
        host=host,
        port=port,
        symbols=symbols,
        rate=rate,
        seed=seed,
        tls=tls,
        allow_remote=allow_remote,
        profile=profile,
        burst=burst,
        cadence_from=cadence_from,
        no_market=no_market,
    )
    cfg = BingxSimConfig(**common, ping_interval_s=ping_interval, pong_timeout_s=pong_timeout, max_topics=max_topics)
    run_sim(BingxSimulator(cfg), duration=duration, replay_path=replay_file, speed=speed)


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
