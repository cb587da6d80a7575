"""A userspace TCP proxy that delays every chunk by a fixed time, keeping order (no netem on this kernel).

python -m tests.multihost.delay_proxy LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS
"""

from __future__ import annotations

import sys
from functools import partial

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream


async def _read(src: anyio.abc.ByteStream, out: MemoryObjectSendStream[tuple[float, bytes]], delay: float) -> None:
    async with out:
        try:
            async for chunk in src:
                await out.send((anyio.current_time() + delay, chunk))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            return


async def _write(dst: anyio.abc.ByteStream, pending: MemoryObjectReceiveStream[tuple[float, bytes]]) -> None:
    async with pending:
        try:
            async for due, chunk in pending:
                await anyio.sleep_until(due)
                await dst.send(chunk)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            return
    await dst.send_eof()


async def _pipe(src: anyio.abc.ByteStream, dst: anyio.abc.ByteStream, delay: float) -> None:
    send, receive = anyio.create_memory_object_stream[tuple[float, bytes]](10_000)
    async with anyio.create_task_group() as tg:
        tg.start_soon(_read, src, send, delay)
        tg.start_soon(_write, dst, receive)


async def _serve(client: anyio.abc.SocketStream, target: tuple[str, int], delay: float) -> None:
    async with client:
        try:
            upstream = await anyio.connect_tcp(*target)
        except OSError:
            return
        async with upstream, anyio.create_task_group() as tg:
            tg.start_soon(_pipe, client, upstream, delay)
            tg.start_soon(_pipe, upstream, client, delay)


async def main(listen: tuple[str, int], target: tuple[str, int], delay: float) -> None:
    listener = await anyio.create_tcp_listener(local_host=listen[0], local_port=listen[1])
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await listener.serve(partial(_serve, target=target, delay=delay))


if __name__ == "__main__":
    lh, lp, th, tp, ms = sys.argv[1:6]
    anyio.run(main, (lh, int(lp)), (th, int(tp)), float(ms) / 1000)
