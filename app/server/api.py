"""The local API: HTTP over the home's Unix socket, JSON bodies, NDJSON streams.

Every request and reply carries the API version; a client of another version is refused with
one line. A request that fails inside the service returns {"error": one line}, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from app import __version__
from app.core.states import LIVE_STATES
from app.core.tasktext import cli_json, list_text, show_text
from app.core.words import counted
from app.localsocket import API_HEADER, API_VERSION, HANDOVER_PATH, version_refusal
from app.server.hub import BOARD_SECONDS, EVENTS_SECONDS, BoardFeed, EventFeed
from app.server.operations import perform
from app.server.service import Service, Successor, newer
from app.services.config import ConfigError
from app.services.orchard import UserError

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVICE: web.AppKey[Service] = web.AppKey("service", Service)
MAX_BODY = 64 * 1024 * 1024


def build_app(service: Service) -> web.Application:
    """Return the aiohttp application serving `service`."""
    # A request may carry a pasted bug bash or a long prompt; the socket is the user's alone.
    app = web.Application(middlewares=[_versioned, _one_line_errors], client_max_size=MAX_BODY)
    app[SERVICE] = service
    app.on_shutdown.append(_end_streams)
    app.add_routes(
        [
            web.get("/v1/status", status),
            web.post("/v1/wake", wake),
            web.post("/v1/stop", stop),
            web.post("/v1/settings/reload", reload_settings),
            web.get("/v1/tasks", tasks),
            web.post("/v1/tasks", new_tasks),
            web.get("/v1/tasks/{ref}", task),
            web.post("/v1/tasks/{ref}/stop", stop_task),
            web.post("/v1/do/{name}", do),
            web.post("/v1/do/{name}/stream", do_streaming),
            web.post(HANDOVER_PATH, handover),
            web.get("/v1/board", board),
            web.get("/v1/tasks/{ref}/events", events),
        ]
    )
    return app


async def _end_streams(app: web.Application) -> None:
    app[SERVICE].hub.close_all()


def reply(value: Any, status: int = 200) -> web.Response:
    """Return `value` as a JSON response."""
    return web.Response(
        body=orjson.dumps(value),
        status=status,
        content_type="application/json",
        headers={API_HEADER: str(API_VERSION)},
    )


@web.middleware
async def _versioned(request: web.Request, handler: Handler) -> web.StreamResponse:
    refusal = version_refusal(request.headers.get(API_HEADER), "client")
    if refusal is not None and request.path != HANDOVER_PATH:  # any version may ask that
        return reply({"error": refusal}, status=409)
    return await handler(request)


@web.middleware
async def _one_line_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:  # e.g. no such route: still one line, still versioned
        return reply({"error": f"{request.method} {request.path}: {exc.reason}"}, exc.status)
    except (UserError, ConfigError) as exc:
        return reply({"error": str(exc)}, status=400)
    except Exception as exc:  # the client shows one line; the traceback goes to the log
        log.exception("%s %s failed", request.method, request.path)
        return reply({"error": f"the service failed: {exc} (details in its log)"}, status=500)


def _service(request: web.Request) -> Service:
    return request.app[SERVICE]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    value = orjson.loads(await request.read())
    if not isinstance(value, dict):
        raise UserError("the request's body must be a JSON object")
    return value


# the service


async def status(request: web.Request) -> web.Response:
    service = _service(request)
    return reply(await asyncio.to_thread(service.status))


async def wake(request: web.Request) -> web.Response:
    """Look for queued tasks now; `parallel` sets the limit until the queue drains."""
    supervisor, body = _service(request).orchard.supervisor, await _body(request)
    parallel = body.get("parallel")
    if parallel is not None:
        if not isinstance(parallel, int) or parallel < 1:
            raise UserError("--parallel must be at least 1")
        supervisor.parallel_override = parallel
    supervisor.wake()
    _service(request).train.wake()  # cars may have joined a land train
    return reply({})


async def stop(request: web.Request) -> web.Response:
    """Stop the service: refused while agents run unless asked to drain or to stop them."""
    service, body = _service(request), await _body(request)
    drain, force = bool(body.get("drain")), bool(body.get("force"))
    running = sum(service.counts(LIVE_STATES).values())
    if running and not (drain or force):
        return reply(
            {
                "error": f"{counted(running, 'task is', 'tasks are')} running; "
                "--drain lets them finish first, "
                "--force stops them (they can be resumed)"
            },
            status=409,
        )
    service.successor = None  # a person said stop: no newer service starts in its place
    # After this reply is on its way: the client hears the answer before the socket goes.
    asyncio.get_running_loop().call_later(
        0.05, service.request_stop, drain and not force, "asked by a client"
    )
    return reply({"running": running, "drain": drain and not force})


async def reload_settings(request: web.Request) -> web.Response:
    _service(request).reload_settings()
    return reply({})


# tasks


async def tasks(request: web.Request) -> web.Response:
    """The tasks, as JSON, or (format=text|json) as `orchard task list` prints them."""
    store = _service(request).orchard.store
    project = request.query.get("project") or None
    if project:
        store.project(project)  # an unknown project is an error, not an empty list
    found = await asyncio.to_thread(store.tasks, project=project)
    shape = request.query.get("format")
    if shape == "text":
        return _text(list_text(found))
    if shape == "json":
        return _text(cli_json([t.to_json() for t in found]) + "\n")
    return reply([t.to_json() for t in found])


async def new_tasks(request: web.Request) -> web.Response:
    """Queue a task (or a best-of-N group) as `orchard task new` does; the service starts it."""
    service, body = _service(request), await _body(request)
    if service.stopping and service.successor is None:  # a successor runs what is queued
        return reply({"error": "the service is stopping; queue the task again"}, status=503)
    queued = await service.orchard.new_tasks(
        str(body.get("project", "")),
        str(body.get("prompt", "")),
        str(body.get("agent", "codex")),
        body.get("title"),
        body.get("base"),
        int(body.get("attempts", 1)),
        bool(body.get("anyway", False)),
    )
    return reply([t.to_json() for t in queued])


async def task(request: web.Request) -> web.Response:
    """One task, as JSON, or (format=text|json) as `orchard task show` prints it."""
    orchard = _service(request).orchard
    found = orchard.task(request.match_info["ref"])
    if request.query.get("flush"):
        orchard.supervisor.flush_log(found.id)  # a reader of its log files sees all of it
    shape = request.query.get("format")
    if shape in ("text", "json"):
        return _text((show_text(found) if shape == "text" else cli_json(found.to_json())) + "\n")
    return reply(found.to_json())


def _text(text: str) -> web.Response:
    return web.Response(
        text=text, content_type="text/plain", headers={API_HEADER: str(API_VERSION)}
    )


async def stop_task(request: web.Request) -> web.Response:
    stopped = await _service(request).orchard.stop_task(request.match_info["ref"])
    return reply(stopped.to_json())


# an upgrade


async def handover(request: web.Request) -> web.Response:
    """A newer Orchard asks for the home: running agents finish here, then it takes over."""
    service, body = _service(request), await _body(request)
    version, argv, env = body.get("version"), body.get("argv"), body.get("env")
    if version == __version__:
        return reply({"version": __version__, "pid": os.getpid(), "same": True})
    if not (
        isinstance(version, str)
        and isinstance(argv, list)
        and all(isinstance(a, str) for a in argv)
        and isinstance(env, dict)
    ):
        raise UserError("a handover needs the new version, its service's argv and environment")
    if not newer(version, __version__):
        said = (
            f"the service is Orchard {__version__}, newer than this Orchard ({version}); "
            "it keeps the home: use the newer `orchard`"
        )
        return reply({"error": said, "kind": "Newer"}, status=409)
    cwd = body.get("cwd") if isinstance(body.get("cwd"), str) else None
    environment = {str(k): str(v) for k, v in env.items()}
    running = service.hand_over(Successor(version, argv, environment, cwd))
    return reply({"version": __version__, "pid": os.getpid(), "running": running})


# operations


async def do(request: web.Request) -> web.Response:
    """Perform one operation: its value, or (422) the refusal the person is shown."""
    service, params = _service(request), await _body(request)
    envelope = await perform(service.orchard, request.match_info["name"], params)
    return reply(envelope, status=422 if "error" in envelope else 200)


async def do_streaming(request: web.Request) -> web.StreamResponse:
    """Perform one operation, streaming what it reports ({"progress": …}), then its envelope."""
    service, params = _service(request), await _body(request)
    lines: asyncio.Queue[bytes] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def send(value: Any) -> None:  # from the loop or from a worker thread of the operation
        line = orjson.dumps({"progress": value}) + b"\n"
        loop.call_soon_threadsafe(lines.put_nowait, line)

    job = asyncio.ensure_future(perform(service.orchard, request.match_info["name"], params, send))
    waiting: asyncio.Future[bytes] | None = None
    try:
        response = await _stream(request)
        while not (job.done() and lines.empty()):
            waiting = asyncio.ensure_future(lines.get())
            await asyncio.wait({job, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if waiting.done():
                await response.write(waiting.result())
            else:
                waiting.cancel()
        await response.write(orjson.dumps(_envelope_of(job)) + b"\n")
    finally:
        job.cancel()  # the asker went away: the operation stops too
        if waiting is not None:
            waiting.cancel()
    return response


def _envelope_of(job: asyncio.Future[dict[str, Any]]) -> dict[str, Any]:
    exc = job.exception()
    if exc is None:
        return job.result()
    log.error("an operation failed", exc_info=exc)
    return {"error": f"the service failed: {exc} (details in its log)", "kind": "Failed"}


# streams


async def board(request: web.Request) -> web.StreamResponse:
    """Stream board changes, batched: every task once, then changed tasks as they change.

    A line carries `asks`, every request waiting on a person (wire form of core's Ask), in
    the first line and whenever they change.
    """
    service = _service(request)
    feed = service.hub.open_board()
    try:
        response = await _stream(request)
        everything = await asyncio.to_thread(service.orchard.store.tasks)
        for t in everything:
            feed.tasks.setdefault(t.id, t)
        # A window that (re)connects may have missed report changes: it reads them again.
        projects = await asyncio.to_thread(service.orchard.store.projects)
        feed.reports.update(p.name for p in projects)
        feed.held.append(service.orchard.supervisor.held_reason)
        feed.asks = service.orchard.inbox.pending()  # the first line carries every request
        feed.ready.set()
        await _pump(response, feed, BOARD_SECONDS)
    finally:
        service.hub.close_board(feed)
    return response


async def events(request: web.Request) -> web.StreamResponse:
    """Stream one task's new events: a first line once its stored log is complete on disk."""
    service = _service(request)
    found = service.orchard.task(request.match_info["ref"])
    feed = service.hub.watch(found.id)
    try:
        # Watching began before this flush, in the same step: no event falls between them.
        service.orchard.supervisor.flush_log(found.id)
        response = await _stream(request)
        await response.write(orjson.dumps({"ready": True, "task": found.id}) + b"\n")
        await _pump(response, feed, EVENTS_SECONDS)
    finally:
        service.hub.unwatch(feed)
    return response


async def _stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={API_HEADER: str(API_VERSION), "Content-Type": "application/x-ndjson"}
    )
    await response.prepare(request)
    return response


async def _pump(response: web.StreamResponse, feed: BoardFeed | EventFeed, every: float) -> None:
    """Write the feed's batches until the client goes away (aiohttp then cancels us)."""
    with contextlib.suppress(ConnectionResetError):
        while True:
            await feed.ready.wait()
            if feed.closed:
                return
            await response.write(feed.take())
            await asyncio.sleep(every)
