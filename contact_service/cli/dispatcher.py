"""`contact-service dispatcher`: the process that keeps calls moving."""

from __future__ import annotations

import signal
import threading

from contact_service.cli import Context, cli, pass_context


@cli.command()
@pass_context
def dispatcher(context: Context) -> None:
    """Settle call attempts from the event log (and, with campaigns, dispatch and reconcile calls)."""
    from workers.dispatcher import Dispatcher

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    Dispatcher(context.container).run_forever(stop)
