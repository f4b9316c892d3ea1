"""The simulator's HTTP server: the Bot API, the scripting API and the web page."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.simulator.botapi import BotApi, read_params
from bot.simulator.errors import UNAUTHORIZED, ApiError
from bot.simulator.script import router
from bot.simulator.settings import SimulatorSettings
from bot.simulator.state import ScriptError, Simulator
from bot.simulator.webhook import deliver_forever
from bot.simulator.world import WorldSpec, load_world
from common.apidocs import serve_api_docs
from common.logging import get_logger

STATIC = Path(__file__).parent / "static"
log = get_logger(__name__)

DESCRIPTION = """A local stand-in for Telegram. Bots talk to it with the Bot API at
`/bot<token>/<method>`; people and tests act as users through the scripting API
below; the page at `/` shows every chat. See `bot/simulator/README.md`."""


def create_app(settings: SimulatorSettings, world: WorldSpec | None = None) -> FastAPI:
    """The whole simulator as one ASGI app, with a fresh world."""
    sim = Simulator(settings, world or load_world(settings.world_file))
    api = BotApi(sim)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient() as client:
            task = asyncio.create_task(deliver_forever(sim, client))
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="Local Telegram simulator", description=DESCRIPTION,
                  version="1", lifespan=lifespan, docs_url=None, redoc_url=None)
    serve_api_docs(app)
    app.state.sim = sim
    app.state.api = api

    @app.exception_handler(ScriptError)
    async def script_error(request: Request, exc: ScriptError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.api_route("/bot{token}/{method}", methods=["GET", "POST"], include_in_schema=False)
    async def bot_api(token: str, method: str, request: Request) -> Response:
        if token != sim.token:
            return JSONResponse(UNAUTHORIZED.payload(), status_code=UNAUTHORIZED.code)
        try:
            params = await read_params(request)
        except ApiError as exc:
            return JSONResponse(exc.payload(), status_code=exc.code)
        status, body = await api.call(method, params)
        log.debug("bot api call", method=method, status=status)
        return JSONResponse(body, status_code=status)

    app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
