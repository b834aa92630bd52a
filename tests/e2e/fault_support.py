"""Helpers for the dialer fault tests: cases per trial, a worker killer, and the exactly-once audit.

The audit is pure (simulator call records + attempt rows in, a list of problems out) so that it can be checked
on its own against synthetic duplicates: a check that cannot fail proves nothing.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallEvent, Campaign, CampaignCase, Case
from tests.conftest import truncate_all
from tests.factories import make_case

IN_FLIGHT = ("planned", "queued", "dialing", "placed")
DIALLED_STATES = ("dialing", "placed", "ended")


# ----------------------------------------------------------------------------------------------- set-up


@dataclass(frozen=True)
class CasePlan:
    """One case of a trial: its number and what the simulator answers on each call to it."""

    case_number: str
    phone: str
    personas: tuple[str, ...]

    @property
    def expected_calls(self) -> int:
        """Calls the case should get: one per persona up to and including the first human."""
        return self.personas.index("human") + 1


def plan_cases(prefix: str, block: int, humans: int, busy_then_human: int = 0) -> list[CasePlan]:
    """`humans` cases answered at the first call and `busy_then_human` answered at the second, on numbers
    +1212555<block><nnn> (block: one digit, so trials never share a number)."""
    plans = []
    for index in range(humans + busy_then_human):
        personas = ("human",) if index < humans else ("busy", "human")
        plans.append(CasePlan(f"{prefix}-{index:03d}", f"+1212555{block}{index:03d}", personas))
    return plans


def create_cases(engine: Engine, plans: Sequence[CasePlan]) -> None:
    with Session(engine) as session:
        for plan in plans:
            make_case(session, case_number=plan.case_number, phone=plan.phone, state="NY")
        session.commit()


def reset_database(engine: Engine) -> None:
    """Empty every table (between trials of one test: each trial is a fresh deployment and campaign)."""
    truncate_all(engine)


# ----------------------------------------------------------------------------------------------- observing


def attempt_rows(engine: Engine, campaign_id: int) -> list[dict]:  # type: ignore[type-arg]
    with Session(engine) as session:
        rows = session.execute(
            select(
                CallAttempt.id,
                CallAttempt.case_id,
                Case.case_number,
                CallAttempt.attempt_number,
                CallAttempt.to_e164,
                CallAttempt.state,
                CallAttempt.call_sid,
                CallAttempt.dialing_at,
                CallAttempt.queued_at,
                CallAttempt.placed_at,
                CallAttempt.outcome,
                CallAttempt.dial_claim,
            )
            .join(Case, Case.id == CallAttempt.case_id)
            .where(CallAttempt.campaign_id == campaign_id)
            .order_by(CallAttempt.id)
        ).all()
    return [row._asdict() for row in rows]


def case_rows(engine: Engine, campaign_id: int) -> dict[str, tuple[str, int]]:
    """case number -> (campaign case state, attempts made)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Case.case_number, CampaignCase.state, CampaignCase.attempts_made)
            .join(Case, Case.id == CampaignCase.case_id)
            .where(CampaignCase.campaign_id == campaign_id)
        ).all()
    return {number: (state, made) for number, state, made in rows}


def campaign_status(engine: Engine, campaign_id: int) -> str:
    with Session(engine) as session:
        return session.scalar(select(Campaign.status).where(Campaign.id == campaign_id)) or "?"


def attempt_state_counts(engine: Engine, campaign_id: int) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(
            select(CallAttempt.state, func.count())
            .where(CallAttempt.campaign_id == campaign_id)
            .group_by(CallAttempt.state)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def events_of(engine: Engine, attempt_ids: Iterable[int]) -> list[dict]:  # type: ignore[type-arg]
    ids = sorted(set(attempt_ids))
    if not ids:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(CallEvent.id, CallEvent.attempt_id, CallEvent.kind, CallEvent.call_status, CallEvent.call_sid)
            .where(CallEvent.attempt_id.in_(ids))
            .order_by(CallEvent.id)
        ).all()
    return [row._asdict() for row in rows]


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def dialled_count(engine: Engine, campaign_id: int) -> int:
    """Attempts that reached the provider as far as the database knows (placed or ended)."""
    with Session(engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(CallAttempt)
                .where(CallAttempt.campaign_id == campaign_id, CallAttempt.state.in_(("placed", "ended")))
            )
            or 0
        )


def postgres_now_ok(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


# ----------------------------------------------------------------------------------------------- killing


@dataclass
class Kill:
    at: float  # real seconds after the killer started
    pid: int
    states: dict[str, int]  # the campaign's attempts by state at the moment of the kill


@dataclass
class WorkerKiller:
    """In a background thread: at each of `delays` (real seconds after start()), SIGKILL a random worker of
    the deployment and start a replacement."""

    system: object  # campaign_harness.Deployment
    campaign_id: int
    delays: Sequence[float]
    rng: random.Random
    kills: list[Kill] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="worker-killer", daemon=True)
        self._thread.start()

    def join(self, timeout: float = 60) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError("the worker killer did not finish")
        if self.errors:
            raise AssertionError(f"the worker killer failed: {self.errors[0]!r}") from self.errors[0]

    def _run(self) -> None:
        try:
            began = time.monotonic()
            for delay in sorted(self.delays):
                time.sleep(max(0.0, began + delay - time.monotonic()))
                self.kill_one(time.monotonic() - began)
        except BaseException as exc:  # noqa: BLE001 - reported by join()
            self.errors.append(exc)

    def kill_one(self, at: float) -> None:
        system = self.system
        victim = self.rng.choice(list(system.workers))  # type: ignore[attr-defined]
        system.kill_worker(victim)  # type: ignore[attr-defined]
        states = attempt_state_counts(system.engine, self.campaign_id)  # type: ignore[attr-defined]
        self.kills.append(Kill(round(at, 3), victim.pid, states))
        system.start_worker()  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------------------------- PostgreSQL


@dataclass
class LocalPostgres:
    """The local PostgreSQL service (Debian's pg_ctlcluster), stopped and started like an operator would."""

    version: str
    cluster: str = "main"

    @classmethod
    def find(cls) -> LocalPostgres | None:
        """The one local cluster, if this machine runs PostgreSQL as a service we may restart."""
        if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
            return None
        versions = sorted(os.listdir("/etc/postgresql"))
        return cls(versions[-1]) if versions else None

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.cluster, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def running(self) -> bool:
        return self._ctl("status").returncode == 0

    def stop(self) -> None:
        """A fast shutdown: every session is disconnected, open transactions roll back."""
        result = self._ctl("stop", "--mode", "fast")
        if result.returncode != 0 and self.running():
            raise AssertionError(f"could not stop PostgreSQL: {result.stderr or result.stdout}")

    def start(self) -> None:
        result = self._ctl("start")
        if result.returncode != 0 and not self.running():
            raise AssertionError(f"could not start PostgreSQL: {result.stderr or result.stdout}")


def wait_for_postgres(engine: Engine, timeout: float = 30) -> None:
    """Until the database answers again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            postgres_now_ok(engine)
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def refused_callbacks(calls: Sequence[dict]) -> list[tuple[str, str, str | None]]:  # type: ignore[type-arg]
    """(call SID, callback kind, the CallStatus it reported) of every callback our webhooks did not accept
    (5xx, or no answer at all)."""
    return [
        (call["sid"], callback["kind"], callback.get("params", {}).get("CallStatus"))
        for call in calls
        for callback in call.get("callbacks", [])
        if callback["status_code"] is None or callback["status_code"] >= 500
    ]


def reconciled_attempt_ids(engine: Engine, campaign_id: int) -> set[int]:
    """Attempts whose final status came from the reconciler asking the provider, not from a callback."""
    with Session(engine) as session:
        return set(
            session.scalars(
                select(CallEvent.attempt_id)
                .join(CallAttempt, CallAttempt.id == CallEvent.attempt_id)
                .where(CallAttempt.campaign_id == campaign_id, CallEvent.dedup_key.like("status:%:reconciled"))
            )
        )


# What the settled outcome of an attempt must be, given how the provider says its call ended (every persona
# of these trials is a person, busy, or no answer).
OUTCOME_OF_FINAL_STATUS = {"completed": "reached", "busy": "busy", "no-answer": "no_answer", "failed": "failed"}


def outcome_problems(calls: Sequence[dict], attempts: Sequence[dict]) -> list[str]:  # type: ignore[type-arg]
    """Every call's outcome recorded on its attempt, and the one its provider call ended with."""
    by_sid = {call["sid"]: call for call in calls}
    problems = []
    for attempt in attempts:
        if attempt["state"] != "ended" or attempt["call_sid"] is None:
            continue
        call = by_sid.get(attempt["call_sid"])
        expected = OUTCOME_OF_FINAL_STATUS.get(call["status"]) if call else None
        if attempt["outcome"] is None or (expected is not None and attempt["outcome"] != expected):
            problems.append(
                f"attempt {attempt['id']} ({attempt['case_number']}) ended with outcome {attempt['outcome']!r}, "
                f"but its call {attempt['call_sid']} ended {call['status'] if call else 'unknown'!r}"
            )
    return problems


# ----------------------------------------------------------------------------------------------- the audit


def attempt_ids_of_call(call: dict) -> set[int]:  # type: ignore[type-arg]
    """Every `?attempt=<id>` in the URLs the simulator fetched or called back for one call."""
    urls = [document["url"] for document in call.get("documents", [])]
    urls += [callback["url"] for callback in call.get("callbacks", [])]
    ids: set[int] = set()
    for url in urls:
        for value in parse_qs(urlsplit(url).query).get("attempt", []):
            ids.add(int(value))
    return ids


def exactly_once_problems(calls: Sequence[dict], attempts: Sequence[dict]) -> list[str]:  # type: ignore[type-arg]
    """What breaks "every dialled attempt is exactly one provider call, and every provider call is one
    dialled attempt's" (empty when all is well).

    `calls`: the simulator's call records (to, sid, documents, callbacks); `attempts`: attempt rows (id, state,
    dialing_at, call_sid, to_e164, case_number)."""
    problems: list[str] = []
    by_id = {attempt["id"]: attempt for attempt in attempts}
    calls_of_attempt: dict[int, list[str]] = defaultdict(list)
    for call in calls:
        ids = attempt_ids_of_call(call)
        if not ids:
            problems.append(
                f"simulator call {call['sid']} to {call['to']} carries no attempt id "
                f"(status {call.get('status')}, {len(call.get('callbacks', []))} callbacks)"
            )
            continue
        if len(ids) > 1:
            problems.append(f"simulator call {call['sid']} to {call['to']} carries several attempt ids {sorted(ids)}")
        for attempt_id in ids:
            calls_of_attempt[attempt_id].append(call["sid"])
            attempt = by_id.get(attempt_id)
            if attempt is None:
                problems.append(
                    f"simulator call {call['sid']} belongs to attempt {attempt_id}, not an attempt of this campaign"
                )
                continue
            if attempt["to_e164"] != call["to"]:
                problems.append(
                    f"simulator call {call['sid']} went to {call['to']} but attempt {attempt_id} is for "
                    f"{attempt['to_e164']}"
                )
            if attempt["state"] not in DIALLED_STATES:
                problems.append(
                    f"attempt {attempt_id} ({attempt['case_number']}) has a provider call "
                    f"{call['sid']} but is {attempt['state']!r} (never dialled, as the database says)"
                )
    for attempt_id, sids in sorted(calls_of_attempt.items()):
        if len(sids) > 1:
            attempt = by_id.get(attempt_id, {})
            problems.append(
                f"attempt {attempt_id} ({attempt.get('case_number')}, {attempt.get('to_e164')}) was "
                f"placed {len(sids)} times: simulator calls {sids}; the attempt records "
                f"{attempt.get('call_sid')}"
            )
        elif attempt_id in by_id and by_id[attempt_id]["call_sid"] not in (None, sids[0]):
            problems.append(
                f"attempt {attempt_id} records call {by_id[attempt_id]['call_sid']} but its only "
                f"simulator call is {sids[0]}"
            )
    for attempt in attempts:
        dialled = attempt["dialing_at"] is not None or attempt["state"] in ("placed", "ended")
        if dialled and attempt["id"] not in calls_of_attempt:
            problems.append(
                f"attempt {attempt['id']} ({attempt['case_number']}) is {attempt['state']!r}, dialled at "
                f"{attempt['dialing_at']}, call_sid {attempt['call_sid']}, but the simulator has no call "
                f"for it"
            )
    return problems


def per_number_problems(
    calls: Sequence[dict],
    attempts: Sequence[dict],  # type: ignore[type-arg]
    plans: Sequence[CasePlan],
) -> list[str]:
    """Calls per number = attempts dialled for the case = what its personas call for."""
    problems = []
    calls_to = Counter(call["to"] for call in calls)
    dialled_for = Counter(
        attempt["to_e164"]
        for attempt in attempts
        if attempt["dialing_at"] is not None or attempt["state"] in ("placed", "ended")
    )
    for plan in plans:
        got, dialled = calls_to.get(plan.phone, 0), dialled_for.get(plan.phone, 0)
        if not got == dialled == plan.expected_calls:
            problems.append(
                f"{plan.case_number} ({plan.phone}, personas {list(plan.personas)}): "
                f"{got} simulator calls, {dialled} attempts dialled, expected {plan.expected_calls}"
            )
    known = {plan.phone for plan in plans}
    for number in sorted(set(calls_to) - known):
        problems.append(f"{calls_to[number]} simulator calls to {number}, which is no case of this trial")
    return problems


def state_problems(
    attempts: Sequence[dict],
    cases: dict[str, tuple[str, int]],  # type: ignore[type-arg]
    plans: Sequence[CasePlan],
) -> list[str]:
    """Nothing left in flight; every case reached, with as many attempts as its personas call for."""
    problems = [
        f"attempt {a['id']} ({a['case_number']} #{a['attempt_number']}) left {a['state']!r} "
        f"(queued_at {a['queued_at']}, dialing_at {a['dialing_at']}, call_sid {a['call_sid']})"
        for a in attempts
        if a["state"] in IN_FLIGHT
    ]
    for plan in plans:
        state, made = cases.get(plan.case_number, ("missing", 0))
        if (state, made) != ("reached", plan.expected_calls):
            problems.append(
                f"{plan.case_number}: campaign case {state!r} after {made} attempts, expected "
                f"'reached' after {plan.expected_calls}"
            )
    return problems


def describe(attempts: Sequence[dict], ids: Iterable[int]) -> str:  # type: ignore[type-arg]
    wanted = set(ids)
    return "\n".join(f"    {a}" for a in attempts if a["id"] in wanted)
