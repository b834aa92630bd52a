"""The dispatcher process: the loops that keep calls moving (today: settling attempts from the event log).

One process per deployment is enough; several are safe (settling locks attempts with SKIP LOCKED).
"""

from __future__ import annotations

import logging
import threading
import time

from contact_service.bootstrap import Container
from contact_service.services.call_settlement import settle_pending

log = logging.getLogger(__name__)
IDLE_PAUSE_SECONDS = 0.2


class Dispatcher:
    """Runs each duty in turn; a duty that fails is logged and retried on the next round."""

    def __init__(self, container: Container) -> None:
        self._container = container

    def run_once(self) -> int:
        """One round of every duty; returns how much work was done (0 when idle)."""
        done = 0
        try:
            with self._container.sessions() as session:
                done += settle_pending(session, self._container.clock.now()).attempts
        except Exception:  # noqa: BLE001 - keep the loop alive; the database is the source of truth
            log.exception("settling failed; retrying next round")
        return done

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Loop until `stop` is set, pausing briefly whenever a round found nothing to do."""
        stop = stop or threading.Event()
        log.info("dispatcher started")
        while not stop.is_set():
            if self.run_once() == 0:
                stop.wait(IDLE_PAUSE_SECONDS)
        log.info("dispatcher stopped")


def run_in_thread(container: Container) -> tuple[threading.Thread, threading.Event]:
    """Start a dispatcher in a daemon thread (tests, demo); set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=Dispatcher(container).run_forever, args=(stop,), name="dispatcher", daemon=True)
    thread.start()
    time.sleep(0)
    return thread, stop
