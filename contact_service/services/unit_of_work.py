"""One transaction per action: a use case acts through `uow.session`, writes its audit record, and commits once.

Leaving the block without `commit()` (an exception, a refusal) rolls everything back, the audit record with it.
Lower-level service functions only flush; they never commit on their own.
"""

from __future__ import annotations

import datetime as dt
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from contact_service.clock import Clock


class UnitOfWork:
    """A session, the moment the action happens (`now`, read once), and a single commit."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self.clock = clock
        self._session: Session | None = None
        self._now: dt.datetime | None = None
        self.committed = False

    @property
    def session(self) -> Session:
        """The open session (inside `with uow:` only)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it as `with uow:`")
        return self._session

    @property
    def now(self) -> dt.datetime:
        """When this action happens: read from the clock once, the same for everything it records."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    def __enter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._now = None
        self.committed = False
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        session, self._session = self.session, None
        try:
            if not self.committed:
                session.rollback()
        finally:
            session.close()

    def flush(self) -> None:
        """Send pending changes (constraint errors surface here, before the commit)."""
        self.session.flush()

    def commit(self) -> None:
        """Make the action and its audit record durable, together."""
        self.flush()
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        """Undo everything since the block opened."""
        self.session.rollback()
