"""A small load balancer for webhook processes (the benchmark's and the tests' own): POSTs to one path
go round robin to the processes' ports; like nginx's `proxy_next_upstream error`, a refused connection
goes to the next one, and a request cut off mid-way is answered 502 (Telegram then sends it again).
"""
from __future__ import annotations

import asyncio
import itertools
import socket

import aiohttp
from aiohttp import web


PATH = "/telegram"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Balancer:
    """Round robin over the bot processes' webhook ports; the next one when a connection is refused."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = itertools.count()
        self.served: dict[int, int] = {p: 0 for p in ports}
        self.session: aiohttp.ClientSession | None = None
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_post(PATH, self.forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}{PATH}"
        return self.url

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram") or k.lower() == "content-type"}
        first = next(self.turn)
        for i in range(len(self.ports)):
            port = self.ports[(first + i) % len(self.ports)]
            try:
                async with self.session.post(f"http://127.0.0.1:{port}{PATH}", data=body, headers=headers) as answer:
                    await answer.read()
                    self.served[port] += 1
                    return web.Response(status=answer.status)
            except aiohttp.ClientConnectorError:
                continue                              # not listening (dead or not up yet): the next one
            except (aiohttp.ClientError, asyncio.TimeoutError):
                return web.Response(status=502)        # cut off mid-request: Telegram sends it again
        return web.Response(status=502)

    async def stop(self) -> None:
        await self.runner.cleanup()
        await self.session.close()
