"""The web service: the form, ``/metadata``, ``/starter.zip`` and ``/preview`` (a Starlette app).

Rendering is CPU work in copier, so it runs in a pool of worker threads, never on the event loop.
A request waits at most ``timeout`` seconds for its project (in the queue and rendering), then
gets 503; a render that is already running cannot be stopped from outside, so it finishes in its
thread, removes its folder and only then frees its place. At most ``workers + max_waiting``
requests hold a place; more get 503 at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from msf_scaffold.errors import UserError
from msf_scaffold.org_defaults import OrgDefaults
from msf_scaffold.serve.metadata import metadata
from msf_scaffold.serve.render import FieldError, Project, Renderer, tree, zip_bytes

_T = TypeVar("_T")
_LOG = logging.getLogger("msf_scaffold.serve")
STATIC = Path(__file__).resolve().parent / "static"
_STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


@dataclass(frozen=True)
class Settings:
    """How the service runs; ``msf-scaffold serve`` sets them from its options."""

    org: OrgDefaults | None = None
    #: Where each request's folder is made (default: the system's temporary folder, TMPDIR).
    temp_root: Path | None = None
    #: Seconds a request waits for its project, queue included, before 503.
    timeout: float = 60.0
    #: Worker threads that render (copier renders one project at a time per process).
    workers: int = 2
    #: Requests that may wait for a worker; more get 503 at once.
    max_waiting: int = 16
    #: Longest query string accepted, in bytes; a longer one gets 414.
    max_query: int = 4096

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise UserError(f"the render timeout must be more than 0 seconds, not {self.timeout:g}")
        if self.workers < 1 or self.max_waiting < 0:
            raise UserError("the service needs at least one worker and no negative queue length")


class BusyError(Exception):
    """Every worker is taken and the queue is full."""


class _Pool:
    """Worker threads; a place is held until the work is done, even when its request gave up."""

    def __init__(self, workers: int, max_waiting: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="msf-scaffold-render")
        self._places = threading.BoundedSemaphore(workers + max_waiting)

    async def run(self, work: Callable[[], _T], timeout: float) -> _T:
        if not self._places.acquire(blocking=False):
            raise BusyError
        try:
            future: Future[_T] = self._executor.submit(work)
        except BaseException:
            self._places.release()
            raise
        future.add_done_callback(lambda _: self._places.release())  # also when cancelled while queued
        # On timeout wait_for cancels the future: a queued render never starts, a running one finishes.
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _error(status: int, field: str | None, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"field": field, "message": message}, status_code=status, headers=headers)


class _Limits:
    """ASGI middleware: GET and HEAD only, a bounded query string, and the security headers."""

    def __init__(self, app: ASGIApp, max_query: int) -> None:
        self.app = app
        self.max_query = max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        response: Response | None = None
        if scope["method"] not in ("GET", "HEAD"):
            response = _error(405, None, f"{scope['method']} is not served; use GET", allow="GET, HEAD")
        elif len(scope.get("query_string", b"")) > self.max_query:
            size = len(scope["query_string"])
            response = _error(
                414,
                None,
                f"the query is {size} bytes, longer than the {self.max_query} this service accepts; "
                "answer fewer questions in the query (the defaults apply to the others)",
            )
        if response is not None:
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


class _Service:
    """The routes' work: answers from the query, a render in the pool, the reply."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.renderer = Renderer(settings.org, settings.temp_root)
        self.document = metadata(settings.org)
        self.pool = _Pool(settings.workers, settings.max_waiting)

    async def _rendered(
        self, request: Request, use: Callable[[Project], _T], reply: Callable[[_T], Response]
    ) -> Response:
        timeout = self.settings.timeout
        try:
            answers = self.renderer.answers(request.query_params.multi_items())
            result = await self.pool.run(lambda: self.renderer.render(answers, use), timeout)
        except FieldError as error:
            return _error(400, error.field, str(error))
        except UserError as error:
            return _error(400, None, str(error))
        except BusyError:
            return _error(
                503,
                None,
                "the service is busy: every place for a project is taken; try again in a few seconds",
                **{"retry-after": "5"},
            )
        except TimeoutError:
            return _error(
                503,
                None,
                f"generating the project took longer than {timeout:g} s; try again later, or generate it "
                "with `msf-scaffold new`",
                **{"retry-after": "10"},
            )
        except Exception:
            _LOG.exception("generating a project failed")
            return _error(500, None, "generating the project failed inside the service; see its log")
        return reply(result)

    async def starter_zip(self, request: Request) -> Response:
        def reply(item: tuple[str, bytes]) -> Response:
            name, data = item
            return Response(
                data,
                media_type="application/zip",
                headers={"content-disposition": f'attachment; filename="{name}.zip"'},
            )

        return await self._rendered(request, lambda project: (project.name, zip_bytes(project)), reply)

    async def preview(self, request: Request) -> Response:
        return await self._rendered(request, tree, JSONResponse)

    async def metadata(self, request: Request) -> Response:
        return JSONResponse(self.document)

    async def static(self, request: Request) -> Response:
        name, media_type = _STATIC_FILES[request.url.path]
        return FileResponse(STATIC / name, media_type=media_type)

    async def not_found(self, request: Request, exc: Any) -> Response:
        return _error(404, None, f"{request.url.path} is not served; see /metadata, /starter.zip, /preview")

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(self.pool.shutdown)  # running renders finish and remove their folders


def create_app(settings: Settings | None = None) -> Starlette:
    """The web application."""
    service = _Service(settings or Settings())
    routes = [
        Route("/metadata", service.metadata, methods=["GET"]),
        Route("/starter.zip", service.starter_zip, methods=["GET"]),
        Route("/preview", service.preview, methods=["GET"]),
        *(Route(path, service.static, methods=["GET"]) for path in _STATIC_FILES),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(_Limits, max_query=service.settings.max_query)],
        exception_handlers={404: service.not_found},
        lifespan=service.lifespan,
    )
