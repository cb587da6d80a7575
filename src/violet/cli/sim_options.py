"""The options every `violet sim <venue>` command shares, declared once as one attrs class.

Defaults are the simulators' own (`SimConfig`, or the venue's where it differs). Each field's type is its typer
option, so `with_sim_options` can add the fields to a command's signature (typer reads
`__signature__`) and hand the command one `SimOptions` instead of fourteen parameters.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import attrs
import typer

from violet.sim.engine.config import SimConfig

if TYPE_CHECKING:
    from violet.sim.engine.simulator import SimulatorCore


class Profile(StrEnum):
    live = "live"
    uniform = "uniform"


HostOption = Annotated[str, typer.Option(help="Address to bind; loopback only unless --allow-remote.")]
PortOption = Annotated[int, typer.Option(min=0, max=65535, help="Port to bind; 0 picks a free one (printed).")]
SymbolsOption = Annotated[int, typer.Option(min=1, max=2000, help="Number of simulated perpetuals.")]
RateOption = Annotated[float, typer.Option(min=0.001, help="Aggregate market events per second.")]
SeedOption = Annotated[int, typer.Option(help="Seed of the random walk.")]
TlsOption = Annotated[bool, typer.Option("--tls", help="Serve https/wss with a CA generated at start.")]
AllowRemoteOption = Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback bind.")]
ReplayOption = Annotated[Path | None, typer.Option("--replay", help="JSONL(.gz) recording to replay.")]
SpeedOption = Annotated[float, typer.Option(min=0, help="Replay speed factor; 0 = as fast as possible.")]
NoMarketOption = Annotated[bool, typer.Option("--no-market", help="No random walk (replay or inject only).")]
PingOption = Annotated[
    float | None,
    typer.Option(min=0.01, help="Seconds between the venue's pings (default: the venue's, as live)."),
]
PongOption = Annotated[
    float | None,
    typer.Option(min=0.01, help="Drop a client silent this long (default: the venue's, as live)."),
]
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
ChurnOption = Annotated[
    float,
    typer.Option(
        "--listing-churn",
        min=0,
        help="Every this many seconds delist a trading name or list the oldest delisted again, in turn (0: off).",
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


_SIM = SimConfig()
_PROFILE = Profile(_SIM.profile)


@attrs.frozen(kw_only=True)
class SimOptions:
    host: HostOption = _SIM.host
    port: PortOption = _SIM.port
    symbols: SymbolsOption = _SIM.symbols
    rate: RateOption = _SIM.rate_hz
    seed: SeedOption = _SIM.seed
    tls: TlsOption = _SIM.tls
    allow_remote: AllowRemoteOption = _SIM.allow_remote
    ping_interval: PingOption = None
    pong_timeout: PongOption = None
    profile: ProfileOption = _PROFILE
    burst: BurstOption = None
    listing_churn: ChurnOption = 0.0
    cadence_from: CadenceOption = None
    replay_file: ReplayOption = None
    speed: SpeedOption = 1.0
    no_market: NoMarketOption = not _SIM.market
    duration: DurationOption = None

    def config_fields(self) -> dict[str, Any]:
        """The options that are `SimConfig` fields, under those names."""
        bursts, every = parse_burst(self.burst)
        return {
            "host": self.host,
            "port": self.port,
            "symbols": self.symbols,
            "rate_hz": self.rate,
            "seed": self.seed,
            "tls": self.tls,
            "allow_remote": self.allow_remote,
            "market": not self.no_market,
            "profile": self.profile.value,
            "burst": bursts,
            "burst_every_s": every,
            "listing_churn_s": self.listing_churn,
            "cadence_from": None if self.cadence_from is None else str(self.cadence_from),
        } | {
            name: value
            for name, value in (("ping_interval_s", self.ping_interval), ("pong_timeout_s", self.pong_timeout))
            if value is not None
        }

    def serve(self, sim: SimulatorCore) -> None:
        from violet.cli.sim_command import run_sim  # the simulator stack loads only for a simulator command

        run_sim(sim, duration=self.duration, replay_path=self.replay_file, speed=self.speed)


def _shared_parameters() -> list[inspect.Parameter]:
    attrs.resolve_types(SimOptions)
    return [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=f.type)
        for f in attrs.fields(SimOptions)
    ]


def with_sim_options(command: Callable[..., None]) -> Callable[..., None]:
    """`command(opts: SimOptions, **own)` as a typer command taking the shared options and its own, by keyword.

    Called as a plain function (`violet replay` does), shared options left out take their defaults.
    """
    shared = _shared_parameters()
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "opts"]

    @functools.wraps(command)
    def with_options(**kwargs: Any) -> None:
        opts = SimOptions(**{p.name: kwargs.pop(p.name) for p in shared if p.name in kwargs})
        command(opts, **kwargs)

    params = [*shared, *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own)]
    with_options.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    with_options.__annotations__ = {p.name: p.annotation for p in params}
    return with_options
