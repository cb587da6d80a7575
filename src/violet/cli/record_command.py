"""`violet record`: raw venue frames with local receive times, as compressed JSONL (replayable).

Binance frames are recorded as received (combined-stream text); BingX frames are recorded gunzipped
(the replaying simulator compresses them again, as the venue does).
"""

from __future__ import annotations

import gzip
import time
import uuid
import zlib
from pathlib import Path

import aiohttp
import anyio
import msgspec

from violet.config import VioletConfig
from violet.universe import resolve_universe


def _binance_symbol(asset: str) -> str:
    return asset.removesuffix("-PERP").lower()


def _bingx_symbol(asset: str) -> str:
    return f"{asset.removesuffix('USDT-PERP')}-USDT"


async def record(cfg: VioletConfig, plane: str, out: Path, duration: float) -> int:
    if cfg.universe.select:
        cfg, _ = await resolve_universe(cfg)
    frames = 0
    with gzip.open(out, "wt", encoding="utf-8") as fh, anyio.move_on_after(duration):
        async with aiohttp.ClientSession() as http:
            if plane == "alpha":
                streams = "/".join(
                    f"{_binance_symbol(a)}@{s}" for a in cfg.alpha.assets for s in ("bookTicker", "trade")
                )
                url = f"{cfg.binance.ws_url}/stream?streams={streams}"
                async with http.ws_connect(url) as ws:
                    async for msg in ws:
                        if msg.type is aiohttp.WSMsgType.TEXT:
                            fh.write(
                                msgspec.json.encode({"recv_ns": time.time_ns(), "frame": msg.data}).decode() + "\n"
                            )
                            frames += 1
            else:
                async with http.ws_connect(cfg.bingx.ws_url) as ws:
                    for asset in cfg.venue.assets:
                        for channel in ("bookTicker", "trade"):
                            req = {
                                "id": uuid.uuid4().hex,
                                "reqType": "sub",
                                "dataType": f"{_bingx_symbol(asset)}@{channel}",
                            }
                            await ws.send_str(msgspec.json.encode(req).decode())
                            await anyio.sleep(0.125)  # the venue asks for < 10 subscriptions a second
                    async for msg in ws:
                        if msg.type is not aiohttp.WSMsgType.BINARY:
                            continue
                        try:
                            text = zlib.decompress(msg.data, wbits=31).decode()
                        except (zlib.error, UnicodeDecodeError):
                            continue
                        if text == "Ping":
                            await ws.send_str("Pong")
                            continue
                        fh.write(msgspec.json.encode({"recv_ns": time.time_ns(), "frame": text}).decode() + "\n")
                        frames += 1
    return frames
