"""``msf-scaffold serve``: a web front door to ``msf-scaffold new`` (docs/serve.md).

A form driven by ``GET /metadata``, the project as ``GET /starter.zip?<answers>`` and its files as
``GET /preview?<answers>``. It needs the ``serve`` extra (Starlette and uvicorn).
"""

from __future__ import annotations

from msf_scaffold.serve.app import Settings, create_app

__all__ = ["Settings", "create_app", "serve"]


def serve(host: str, port: int, settings: Settings) -> None:
    """Runs the service with uvicorn until SIGINT or SIGTERM; returns after a graceful shutdown."""
    import uvicorn  # noqa: PLC0415 - only the server needs it

    app = create_app(settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        # Connections beyond this get 503 from uvicorn before any work is done.
        limit_concurrency=64,
        timeout_graceful_shutdown=int(settings.timeout) + 5,
        server_header=False,
    )
