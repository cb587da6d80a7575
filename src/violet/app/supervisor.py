"""Starts what the config needs besides in-process adapters (venue simulators, `violet feed` shards) and watches them.

Children are separate processes (the simulators must not share a core's event loop with the reactor, and
NautilusTrader must own the feed's loop). Each prints one JSON line when ready. A child that exits while it should
run is restarted after a growing wait (a simulator on the port it had, so the adapters' URLs stay right), counted
(`restarts`, `violet_child_restarts_total`) and logged; one that fails `give_up_after` times within `window_s` ends
the whole run with `ChildGaveUp`, naming it and its last error, since a feed that cannot stay up is not a feed. On
exit every child gets SIGTERM, then SIGKILL if it lingers, so nothing is left behind.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.abc
import attrs
import msgspec

from violet.app.processes import ChildFailed, concurrently, spawn_ready, stop_process
from violet.composition import remote_planes
from violet.config import VioletConfig, dump_config, resolve_shards, shard_count
from violet.domain import Explained, VioletError
from violet.extras import require
from violet.universe import resolve_universe

log = logging.getLogger("violet.supervisor")


def _violet_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "violet", *args]


def gave_up_in(exc: BaseException) -> ChildGaveUp | None:
    """The `ChildGaveUp` inside `exc` (raised alone, or from the task group that watched the child), if any."""
    if isinstance(exc, ChildGaveUp):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            if (found := gave_up_in(inner)) is not None:
                return found
    return None


@attrs.define
class ChildGaveUp(Explained, VioletError, RuntimeError):
    template = "{child} failed {failures} times within {window_s:g} s; giving up (last: {last_error})"
    child: str
    failures: int
    window_s: float
    last_error: str


@attrs.frozen(kw_only=True)
class RestartPolicy:
    initial_s: float = 0.5
    max_s: float = 10.0
    give_up_after: int = 5
    """Failures within `window_s` that end the run."""
    window_s: float = 60.0

    def wait_s(self, failures: int) -> float:
        return float(min(self.max_s, self.initial_s * 2 ** max(0, failures - 1)))


def _exit_text(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exited with code {code}"


class Supervisor:
    """Children started with `start` are restarted when they die, until the context ends."""

    def __init__(self, tg: anyio.abc.TaskGroup, policy: RestartPolicy | None = None) -> None:
        self._tg = tg
        self.policy = policy or RestartPolicy()
        self.restarts: Counter[str] = Counter()
        self._procs: dict[str, anyio.abc.Process] = {}
        self._stopping = False

    async def start(
        self, name: str, cmd: list[str], *, restart_args: Callable[[dict[str, Any]], list[str]] | None = None
    ) -> dict[str, Any]:
        """Run `cmd` until its ready line (returned, decoded); when it dies, restart it as `cmd` plus what
        `restart_args` makes of that first ready line."""
        proc, line = await spawn_ready(cmd, name=name, new_session=True)
        self._procs[name] = proc
        ready: dict[str, Any] = msgspec.json.decode(line)
        self._tg.start_soon(self._watch, name, [*cmd, *(restart_args(ready) if restart_args else [])])
        return ready

    async def _watch(self, name: str, cmd: list[str]) -> None:
        failures: deque[float] = deque()
        while True:
            code = await self._procs[name].wait()
            if self._stopping:
                return
            last_error = _exit_text(code)
            while True:
                now = time.monotonic()
                failures.append(now)
                while failures and now - failures[0] > self.policy.window_s:
                    failures.popleft()
                if len(failures) >= self.policy.give_up_after:
                    raise ChildGaveUp(name, len(failures), self.policy.window_s, last_error)
                wait_s = self.policy.wait_s(len(failures))
                log.error("%s %s; restarting it in %.1f s", name, last_error, wait_s)
                await anyio.sleep(wait_s)
                try:
                    self._procs[name], _ = await spawn_ready(cmd, name=name, new_session=True)
                except (ChildFailed, TimeoutError, OSError) as exc:
                    last_error = str(exc) or type(exc).__name__
                    continue
                self.restarts[name] += 1
                log.warning("%s restarted (%d restarts so far)", name, self.restarts[name])
                break

    def pids(self) -> dict[str, int]:
        """The children running now, by name (a restarted child has its new pid)."""
        return {name: proc.pid for name, proc in self._procs.items() if proc.returncode is None}

    async def stop(self) -> None:
        self._stopping = True
        for proc in reversed(list(self._procs.values())):
            await stop_process(proc)


@asynccontextmanager
async def supervised(
    cfg: VioletConfig, policy: RestartPolicy | None = None
) -> AsyncIterator[tuple[VioletConfig, Supervisor]]:
    """Start simulators (if enabled) and feed shards (if a plane is remote), watched; yield the resolved config."""
    ca_before = os.environ.get("SSL_CERT_FILE")  # set for TLS simulators (NT reads no other trust): put back after
    async with AsyncExitStack() as stack, anyio.create_task_group() as tg:
        sup = Supervisor(tg, policy)
        try:
            if cfg.simulators.enabled:
                cfg = await _start_simulators(sup, cfg)
            watch = bool(cfg.universe.select) and cfg.universe.refresh_s > 0
            if cfg.universe.select:
                cfg, _ = await resolve_universe(cfg)
            cfg = resolve_shards(cfg)  # after the universe: counted from the assets it selected
            if remote_planes(cfg) and cfg.feed.spawn:
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="violet-feed-"))
                path = Path(tmp) / "feed.toml"
                path.write_text(dump_config(cfg))
                feed = _violet_cmd("feed", "--config", str(path), *(["--watch-listings"] if watch else []))
                shards = [
                    partial(sup.start, f"violet feed shard {i}", [*feed, "--shard", str(i)])
                    for i in range(shard_count(cfg))
                ]
                await concurrently(shards)  # each shard subscribes its own slice over its own connections
            yield cfg, sup
        finally:
            with anyio.CancelScope(shield=True):
                await sup.stop()
            tg.cancel_scope.cancel()
            if ca_before is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = ca_before


def _same_port(ready: dict[str, Any]) -> list[str]:
    """A restarted simulator binds the port it had, so the adapters' configured URLs reach it again. (With `tls`, it
    makes a new CA, which the adapters refuse until violet restarts: TLS is for testing the TLS path.)"""
    return ["--port", str(urlsplit(str(ready["http"])).port)]


async def _start_simulators(sup: Supervisor, cfg: VioletConfig) -> VioletConfig:
    require("sim", "the embedded venue simulators ([simulators] enabled)")
    sims = cfg.simulators
    common = ["--symbols", str(sims.symbols), "--rate", str(sims.rate_hz), "--seed", str(sims.seed)]
    common += ["--profile", sims.profile]
    if sims.tls:
        common.append("--tls")
    binance = await sup.start("binance simulator", _violet_cmd("sim", "binance", *common), restart_args=_same_port)
    bingx = await sup.start("bingx simulator", _violet_cmd("sim", "bingx", *common), restart_args=_same_port)
    resolved = msgspec.structs.replace(
        cfg,
        simulators=msgspec.structs.replace(cfg.simulators, enabled=False),
        binance=msgspec.structs.replace(cfg.binance, http_url=binance["http"], ws_url=binance["ws"]),
        bingx=msgspec.structs.replace(
            cfg.bingx, http_url=bingx["http"], ws_url=f"{bingx['ws']}/swap-market", ca_file=bingx["ca"]
        ),
    )
    if sims.tls and binance["ca"]:
        os.environ["SSL_CERT_FILE"] = str(binance["ca"])
    return resolved
