"""Serving the simulator on a real TCP port from a background thread (tests, demo, benchmark, CLI)."""

from __future__ import annotations

import ipaddress
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from contact_service.clock import Clock
from contact_service.simulator.app import create_simulator_app, engine_of
from contact_service.simulator.config import DEFAULT_AUTH_TOKEN, SimulatorConfig
from contact_service.simulator.engine import SimulatorEngine


def is_loopback(host: str) -> bool:
    """True for an interface only this machine reaches (localhost, 127.0.0.0/8, ::1); "" and 0.0.0.0 are every one."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _QuietHandler(WSGIRequestHandler):
    """No access log: a campaign makes tens of thousands of requests."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SimulatorServer:
    """The simulator app behind a threaded werkzeug server; use as a context manager or start()/stop()."""

    def __init__(
        self, config: SimulatorConfig, clock: Clock | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.app = create_simulator_app(config, clock)
        self.engine: SimulatorEngine = engine_of(self.app)
        self._host, self._port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> SimulatorServer:
        """Bind the port, start the engine, and serve in a daemon thread. ValueError if asked to listen beyond
        this machine with the published auth token (anyone could place calls and sign webhooks with it)."""
        if self._server is not None:
            return self
        if self.engine.config.auth_token == DEFAULT_AUTH_TOKEN and not is_loopback(self._host):
            raise ValueError(
                f"the published simulator auth token is for local development only; to listen on {self._host or '*'}"
                " set a secret TWILIO_AUTH_TOKEN of your own"
            )
        self._server = make_server(self._host, self._port, self.app, threaded=True, request_handler=_QuietHandler)
        shown_host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        self.url = f"http://{shown_host}:{self._server.server_port}"
        self.engine.start()
        self._thread = threading.Thread(target=self._server.serve_forever, name="simulator-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and stop the engine."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.engine.stop()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def wait_until_idle(self, timeout: float) -> bool:
        """True once no call is active and no callback is pending; False if `timeout` seconds pass first."""
        return self.engine.wait_until_idle(timeout)

    def calls(self, to: str | None = None) -> list[dict[str, Any]]:
        """Full records of the retained calls, oldest first."""
        return self.engine.records(to=to)

    def call(self, sid: str) -> dict[str, Any]:
        """The full record of one call."""
        call = self.engine.call(sid)
        with call.lock:
            return call.record()

    def configure(self, **changes: Any) -> SimulatorConfig:
        """Change settings (as POST /_sim/config does)."""
        return self.engine.configure(changes)

    def reset(self) -> None:
        """Forget all calls."""
        self.engine.reset()

    def stats(self) -> dict[str, Any]:
        """As GET /_sim/stats."""
        return self.engine.stats()
