"""Serving the real app over HTTP for end-to-end tests (the simulator calls it exactly as Twilio would)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from contact_service.bootstrap import Container
from contact_service.web.app import build_app
from workers.dispatcher import run_in_thread


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (a campaign makes thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve(app: Flask) -> Iterator[BaseWSGIServer]:
    """Serve a WSGI app on a free local port in a background thread (threaded, like a real server)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def live_app(container: Container, dispatcher: bool = True, **dispatcher_options) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The service's app, reachable at the returned base URL (also its PUBLIC_BASE_URL), with a dispatcher
    running beside it as in production (unless `dispatcher` is False: the test runs its own processes)."""
    app = build_app(container=container)
    with serve(app) as server:
        base_url = f"http://127.0.0.1:{server.server_port}"
        container.settings = container.settings.replace(public_base_url=base_url)
        container.__dict__.pop("webhook_urls", None)
        container.__dict__.pop("dial_context", None)
        if not dispatcher:
            yield base_url
            return
        thread, stop = run_in_thread(container, **dispatcher_options)
        try:
            yield base_url
        finally:
            stop.set()
            thread.join(timeout=5)
