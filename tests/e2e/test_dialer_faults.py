"""Fault tests for the dialer: workers killed with SIGKILL at random moments, Redis flushed mid-campaign,
PostgreSQL restarted mid-campaign, and the dispatcher holding the leader lease killed (another takes over).

The property, in every trial: the campaign completes, and every due attempt is placed exactly once, i.e.
- each simulator call belongs to exactly one attempt of the campaign (its `?attempt=<id>` URLs) and no attempt
  has two simulator calls; every attempt the database shows as dialled has its one simulator call;
- each number got exactly the calls its case needed (1 for a "human", 2 for "busy" then "human"), which is also
  the number of attempts dialled for the case; every case ends "reached";
- no attempt is left planned, queued, dialing or placed;
- every ended call's outcome is recorded on its attempt, and is the one its provider call ended with (from
  its callbacks, or, for callbacks refused while the database was away, from the reconciler asking the
  provider).

Everything is real (PostgreSQL, Redis, RQ worker processes, webhooks over HTTP, the simulator) on a simulated
clock at 3600x. Trial t draws its cases and kills from random.Random(FAULT_SEED + t) (FAULT_SEED defaults to
20261130): a failure prints the trial and seed; rerun it alone with FAULT_FIRST_TRIAL=t FAULT_TRIALS=1.
`test_exactly_once_audit_catches_duplicates` shows the audit itself fails on a duplicated, a missing and an
orphan call.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import Engine

from contact_service.adapters.rq_queue import DIAL_QUEUE, dial_job_id
from contact_service.domain.call_outcome import FINAL_STATUSES
from contact_service.services.campaign_launch import CaseSelection
from tests.e2e import fault_support as fs
from tests.e2e import log_scan
from tests.e2e.campaign_harness import Deployment, deployment
from workers.dispatcher import LEADER_KEY

BASE_SEED = int(os.environ.get("FAULT_SEED", "20261130"))
TRIALS = int(os.environ.get("FAULT_TRIALS", "12"))
FIRST_TRIAL = int(os.environ.get("FAULT_FIRST_TRIAL", "0"))
KEEP_GOING = os.environ.get("FAULT_KEEP_GOING") == "1"  # run every trial and report all failures (slower)
RETRY_TRIALS = {3, 8}  # trials whose campaign also has cases answered only at the second call
RECONCILE_AFTER = 2  # real seconds before an attempt left dialing by a dead worker is looked up


# ----------------------------------------------------------------------------------------------- helpers


def launch(system: Deployment, name: str, plans: Sequence[fs.CasePlan], calls_per_second: int) -> int:
    system.configure_numbers({plan.phone: list(plan.personas) for plan in plans if plan.personas != ("human",)})
    campaign = system.create_and_launch(
        name,
        selection=CaseSelection(case_numbers=tuple(plan.case_number for plan in plans)),
        calls_per_second=calls_per_second,
        max_attempts=2,
    )
    assert campaign.cases_planned == len(plans), (campaign.cases_selected, campaign.cases_planned)
    return campaign.id


def rq_diagnosis(redis: Redis, attempts: Sequence[dict]) -> str:  # type: ignore[type-arg]
    """For attempts left in flight: what Redis says about their dial job."""
    queued_ids = {raw.decode() for raw in redis.lrange(f"rq:queue:{DIAL_QUEUE}", 0, -1)}
    started = {raw.decode().split(":")[0] for raw in redis.zrange(f"rq:wip:{DIAL_QUEUE}", 0, -1)}
    lines = []
    for attempt in attempts:
        if attempt["state"] in fs.IN_FLIGHT:
            job_id = dial_job_id(attempt["id"])
            status = redis.hget(f"rq:job:{job_id}", "status")
            worker = redis.hget(f"rq:job:{job_id}", "worker_name")
            lines.append(
                f"    attempt {attempt['id']} {attempt['state']}: job {job_id} status "
                f"{status.decode() if status else None}, worker {worker.decode() if worker else None}, "
                f"on the queue list: {job_id in queued_ids}, in the started registry: {job_id in started}"
            )
    live_workers = sorted(raw.decode() for raw in redis.smembers("rq:workers"))
    return "\n".join([*lines, f"    RQ workers registered: {live_workers}"])


def audit(
    system: Deployment,
    redis: Redis,
    campaign_id: int,
    plans: Sequence[fs.CasePlan],
    context: str,
    completion_timeout: float,
) -> None:
    """Wait for completion, then check every exactly-once property; the message says what went wrong."""
    try:
        system.wait_for(campaign_id, "completed", timeout=completion_timeout)
        completed_error = None
    except AssertionError as exc:
        completed_error = str(exc)
    system.simulator.wait_until_idle(10)
    calls = list(system.simulator.calls())
    attempts = fs.attempt_rows(system.engine, campaign_id)
    cases = fs.case_rows(system.engine, campaign_id)
    problems = fs.exactly_once_problems(calls, attempts)
    problems += fs.per_number_problems(calls, attempts, plans)
    problems += fs.state_problems(attempts, cases, plans)
    problems += fs.outcome_problems(calls, attempts)
    if completed_error:
        problems.insert(0, completed_error)
    if problems:
        in_flight = [a for a in attempts if a["state"] in fs.IN_FLIGHT]
        raise AssertionError(
            f"{context}\n  {len(problems)} problem(s):\n  - "
            + "\n  - ".join(problems)
            + f"\n  attempts by state: {fs.attempt_state_counts(system.engine, campaign_id)}; "
            f"{len(calls)} simulator calls for {len(plans)} cases"
            + ("\n  Redis on the attempts left in flight:\n" + rq_diagnosis(redis, attempts) if in_flight else "")
            + (
                "\n  The provider and the event log on them:\n" + call_diagnosis(system, calls, in_flight)
                if in_flight
                else ""
            )
        )


def call_diagnosis(system: Deployment, calls: Sequence[dict], attempts: Sequence[dict]) -> str:  # type: ignore[type-arg]
    """For attempts left in flight: their simulator call (status, callbacks and our answers) and their events."""
    by_sid = {call["sid"]: call for call in calls}
    events = fs.events_of(system.engine, [a["id"] for a in attempts])
    lines = []
    for attempt in attempts:
        call = by_sid.get(attempt["call_sid"] or "")
        callbacks = [
            (c["kind"], c.get("params", {}).get("CallStatus"), c["status_code"])
            for c in (call or {}).get("callbacks", [])
        ]
        documents = [(d["purpose"], d["status_code"]) for d in (call or {}).get("documents", [])]
        mine = [(e["kind"], e["call_status"]) for e in events if e["attempt_id"] == attempt["id"]]
        lines.append(
            f"    attempt {attempt['id']} {attempt['state']} placed_at {attempt['placed_at']}: call "
            f"{call['status'] if call else None}, documents {documents}, callbacks {callbacks}; events {mine}"
        )
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- the audit itself


def test_exactly_once_audit_catches_duplicates() -> None:
    """The audit is not vacuous: a duplicated call, a dialled attempt without a call, a call without an
    attempt and a call count off by one are each reported."""

    def call(sid: str, to: str, attempt: int | None) -> dict:  # type: ignore[type-arg]
        query = f"?attempt={attempt}" if attempt is not None else ""
        return {
            "sid": sid,
            "to": to,
            "status": "completed",
            "documents": [{"url": f"http://app/voice{query}"}],
            "callbacks": [{"url": f"http://app/status{query}", "params": {}}],
        }

    def attempt(id_: int, to: str, state: str = "ended", sid: str | None = None) -> dict:  # type: ignore[type-arg]
        return {
            "id": id_,
            "case_number": f"C-{id_}",
            "attempt_number": 1,
            "to_e164": to,
            "state": state,
            "call_sid": sid,
            "dialing_at": "2026-11-30T14:00:00Z" if state != "planned" else None,
            "queued_at": None,
        }

    plans = [fs.CasePlan("C-1", "+12125550001", ("human",)), fs.CasePlan("C-2", "+12125550002", ("human",))]
    attempts = [attempt(1, "+12125550001", sid="CA1"), attempt(2, "+12125550002", sid="CA2")]
    good = [call("CA1", "+12125550001", 1), call("CA2", "+12125550002", 2)]
    assert fs.exactly_once_problems(good, attempts) == []
    assert fs.per_number_problems(good, attempts, plans) == []

    duplicated = [*good, call("CA3", "+12125550001", 1)]
    problems = fs.exactly_once_problems(duplicated, attempts)
    assert any("attempt 1" in p and "placed 2 times" in p for p in problems), problems
    assert any("C-1" in p and "2 simulator calls" in p for p in fs.per_number_problems(duplicated, attempts, plans))

    missing = good[:1]
    assert any("attempt 2" in p and "no call" in p for p in fs.exactly_once_problems(missing, attempts))

    orphan = [*good, call("CA9", "+12125550002", None)]
    assert any("CA9" in p and "no attempt id" in p for p in fs.exactly_once_problems(orphan, attempts))

    never_dialled = [attempt(1, "+12125550001", sid="CA1"), attempt(2, "+12125550002", state="planned")]
    assert any("attempt 2" in p and "never dialled" in p for p in fs.exactly_once_problems(good, never_dialled))

    wrong_sid = [attempt(1, "+12125550001", sid="CA1"), attempt(2, "+12125550002", sid="CA7")]
    assert any("records call CA7" in p for p in fs.exactly_once_problems(good, wrong_sid))

    left = [attempt(1, "+12125550001", state="queued")]
    assert any("left 'queued'" in p for p in fs.state_problems(left, {"C-1": ("reached", 1)}, plans[:1]))


# ----------------------------------------------------------------------------------------------- SIGKILL


def run_kill_trial(pg_engine: Engine, redis: Redis, trial: int, seed: int) -> str:
    rng = random.Random(seed)
    retries = trial in RETRY_TRIALS
    plans = fs.plan_cases(
        f"K{trial:02d}", block=trial % 10, humans=rng.randint(15, 24), busy_then_human=3 if retries else 0
    )
    calls_per_second = rng.choice([6, 8, 10])
    fs.reset_database(pg_engine)
    redis.flushdb()
    fs.create_cases(pg_engine, plans)
    # Kills while the first calls of each case are being claimed and placed (from the first claim on,
    # over the time the campaign's rate takes to dial them all); a retry trial also kills once while the
    # second calls go out (due ~24 simulated hours, ~24 real seconds, after the first).
    span = len(plans) / calls_per_second
    delays = [rng.uniform(0.0, span) for _ in range(rng.randint(1, 3))]
    if retries:
        delays.append(rng.uniform(23.5, 25.5))
    started = time.monotonic()
    with deployment(pg_engine, reconcile_after=RECONCILE_AFTER) as system:
        campaign_id = launch(system, f"kill trial {trial}", plans, calls_per_second)
        assert fs.wait_until(
            lambda: fs.attempt_state_counts(pg_engine, campaign_id).keys() & {"dialing", "placed", "ended"}, timeout=30
        ), f"trial {trial} (seed {seed}): no call was ever claimed"
        killer = fs.WorkerKiller(system, campaign_id, delays, rng)
        killer.start()
        killer.join(timeout=60)
        context = (
            f"kill trial {trial} (seed {seed}: rerun with FAULT_FIRST_TRIAL={trial} FAULT_TRIALS=1), "
            f"{len(plans)} cases at {calls_per_second}/s, kills (real s after the first claim, pid, "
            f"attempts by state just after): {[(k.at, k.pid, k.states) for k in killer.kills]}"
        )
        audit(system, redis, campaign_id, plans, context, completion_timeout=90 if retries else 45)
    return (
        f"trial {trial} seed {seed}: {len(plans)} cases, {len(killer.kills)} kills, {time.monotonic() - started:.1f} s"
    )


def test_workers_killed_at_random_moments(pg_engine: Engine, redis_client: Redis) -> None:
    """SIGKILL a random worker 1-3 times per trial while calls are claimed and placed (a replacement starts
    each time); in every trial every due attempt is placed exactly once and the campaign completes."""
    summary, failures = [], []
    for trial in range(FIRST_TRIAL, FIRST_TRIAL + TRIALS):
        try:
            summary.append(run_kill_trial(pg_engine, redis_client, trial, BASE_SEED + trial))
        except AssertionError as failure:
            if not KEEP_GOING:
                raise
            summary.append(f"trial {trial} seed {BASE_SEED + trial}: FAILED")
            failures.append(str(failure))
    print("\n".join(summary))
    assert not failures, f"{len(failures)} of {TRIALS} trials failed:\n\n" + "\n\n".join(failures)


# ----------------------------------------------------------------------------------------------- Redis flush


def flush_campaign(
    pg_engine: Engine,
    redis: Redis,
    name: str,
    block: int,
    flush_after_dialled: Sequence[int],
    kill_between: bool,
    seed: int,
) -> None:
    """A campaign of 48 cases at 5 calls a second; Redis (queue, rate limits, leader lease) is flushed once
    `flush_after_dialled[i]` calls are dialled, and optionally a worker is killed between flushes."""
    rng = random.Random(seed)
    plans = fs.plan_cases(name, block=block, humans=48)
    fs.create_cases(pg_engine, plans)
    notes = []
    # At 1800x the calling day (9:00 to 21:00 in New York) lasts 24 real seconds: the campaign fits in it.
    with deployment(pg_engine, speed=1800, reconcile_after=RECONCILE_AFTER) as system:
        campaign_id = launch(system, name, plans, calls_per_second=5)
        for index, threshold in enumerate(flush_after_dialled):
            assert fs.wait_until(
                lambda threshold=threshold: fs.dialled_count(pg_engine, campaign_id) >= threshold, timeout=60
            ), f"{name}: {threshold} calls were never dialled ({fs.attempt_state_counts(pg_engine, campaign_id)})"
            before = fs.attempt_state_counts(pg_engine, campaign_id)
            jobs_waiting = redis.llen(f"rq:queue:{DIAL_QUEUE}")
            redis.flushdb()
            notes.append(f"flush {index + 1} at {threshold}+ dialled: attempts {before}, {jobs_waiting} jobs waiting")
            # The flush must hit the campaign mid-way, with work still queued, or it proves nothing.
            assert before.get("planned", 0) + before.get("queued", 0) > 0, f"{name}: flushed too late: {notes}"
            if kill_between and index == 0:
                time.sleep(rng.uniform(0.2, 1.0))
                victim = rng.choice(list(system.workers))
                system.kill_worker(victim)
                notes.append(f"killed worker {victim.pid}; attempts {fs.attempt_state_counts(pg_engine, campaign_id)}")
                system.start_worker()
        context = f"{name} (seed {seed}): {'; '.join(notes)}"
        audit(system, redis, campaign_id, plans, context, completion_timeout=60)
        died = [process.pid for process in system.workers if process.poll() is not None]
        assert not died, f"{context}: workers exited on their own after the flush: {died}"


def test_redis_flushed_mid_campaign(pg_engine: Engine, redis_client: Redis) -> None:
    """FLUSHDB with calls placed and calls still queued: the lost jobs are re-created from the database,
    nothing is dialled twice, and the campaign completes."""
    flush_campaign(
        pg_engine, redis_client, "FLUSH1", block=7, flush_after_dialled=[12], kill_between=False, seed=BASE_SEED
    )


def test_redis_flushed_twice_with_a_worker_killed_between(pg_engine: Engine, redis_client: Redis) -> None:
    """Two flushes, and a worker SIGKILLed just after the first."""
    flush_campaign(
        pg_engine, redis_client, "FLUSH2", block=8, flush_after_dialled=[8, 24], kill_between=True, seed=BASE_SEED + 1
    )


# ----------------------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def postgres(pg_engine: Engine) -> Iterator[fs.LocalPostgres]:
    """The local PostgreSQL service, running again after the test whatever happened in it."""
    server = fs.LocalPostgres.find()
    if server is None or not server.running():
        pytest.skip("needs PostgreSQL as a local service that pg_ctlcluster can restart")
    try:
        yield server
    finally:
        if not server.running():
            server.start()
        fs.wait_for_postgres(pg_engine)


@pytest.mark.slow
def test_postgresql_restarted_mid_campaign(
    pg_engine: Engine, redis_client: Redis, postgres: fs.LocalPostgres, tmp_path: Path
) -> None:
    """PostgreSQL stopped (fast shutdown: every connection cut) with calls queued, dialling and live, and
    started again three seconds later: dial jobs fail, callbacks get 503, the dispatcher waits; afterwards
    nothing was dialled twice, every call's outcome is recorded (the refused callbacks' from the provider),
    and the campaign completes. No process logged a number or a name while it failed."""
    plans = fs.plan_cases("PGR", block=6, humans=40)
    fs.create_cases(pg_engine, plans)
    logs = tmp_path / "logs"
    with deployment(
        pg_engine, speed=1800, reconcile_after=RECONCILE_AFTER, silent_call_grace=5, log_dir=logs, log_level="INFO"
    ) as system:
        campaign_id = launch(system, "PG restart", plans, calls_per_second=5)
        assert fs.wait_until(lambda: fs.dialled_count(pg_engine, campaign_id) >= 12, timeout=60)
        before = fs.attempt_state_counts(pg_engine, campaign_id)
        postgres.stop()
        try:
            time.sleep(3.0)
        finally:
            postgres.start()
        fs.wait_for_postgres(pg_engine)
        context = f"PostgreSQL restarted with attempts {before}"
        assert before.get("planned", 0) + before.get("queued", 0) > 0, f"{context}: restarted too late"
        audit(system, redis_client, campaign_id, plans, context, completion_timeout=90)
        calls = list(system.simulator.calls())
        refused = fs.refused_callbacks(calls)
        reconciled = fs.reconciled_attempt_ids(pg_engine, campaign_id)
    # The outage must have hit calls in flight, or it proves nothing about their outcomes; a call whose final
    # status callback was refused has its outcome from the reconciler.
    assert refused, f"{context}: no callback was refused while the database was away"
    final_refused = {sid for sid, kind, status in refused if kind == "status" and status in FINAL_STATUSES}
    assert final_refused, f"{context}: no final status callback was refused ({refused})"
    attempt_of = {a["call_sid"]: a["id"] for a in fs.attempt_rows(pg_engine, campaign_id)}
    assert {attempt_of[sid] for sid in final_refused} <= reconciled, (final_refused, reconciled)
    findings = log_scan.scan(log_scan.log_lines(sorted(logs.glob("*.log"))), log_scan.people(pg_engine))
    assert not findings, "\n".join(str(finding) for finding in findings[:20])
    # The outage is said once per worker (and its end), not as a traceback per failed job.
    for path in sorted(logs.glob("worker-*.log")):
        said = path.read_text()
        warnings = [line for line in said.splitlines() if " WARNING " in line or " ERROR " in line]
        assert "Traceback" not in said and len(warnings) <= 1, f"{path.name}:\n{said[:3000]}"
    print(f"{context}: {len(refused)} callbacks refused, {len(reconciled)} outcomes from the reconciler")


# ----------------------------------------------------------------------------------------------- the leader


def leader_pid(redis: Redis) -> int | None:
    """The process holding the dispatcher's leader lease (its value is host:pid:tag)."""
    holder = redis.get(LEADER_KEY)
    return int(holder.decode().split(":")[1]) if holder else None


@pytest.mark.slow
def test_the_leader_dispatcher_killed_another_takes_over(
    pg_engine: Engine, redis_client: Redis, tmp_path: Path
) -> None:
    """Two dispatcher processes; the one holding the leader lease is SIGKILLed mid-campaign (mid-round,
    perhaps between queueing an attempt and enqueueing its job). The other takes the lease when it expires and
    carries on: nothing dialled twice, nothing lost, every outcome recorded, the campaign completes."""
    plans = fs.plan_cases("LDR", block=5, humans=48)
    fs.create_cases(pg_engine, plans)
    logs = tmp_path / "logs"
    with deployment(
        pg_engine, speed=1800, reconcile_after=RECONCILE_AFTER, dispatchers=2, log_dir=logs, log_level="INFO"
    ) as system:
        campaign_id = launch(system, "leader kill", plans, calls_per_second=5)
        assert fs.wait_until(lambda: fs.dialled_count(pg_engine, campaign_id) >= 10, timeout=60)
        pid = leader_pid(redis_client)
        leader = next((p for p in system.dispatchers if p.pid == pid), None)
        assert leader is not None, f"the lease names pid {pid}, not one of {[p.pid for p in system.dispatchers]}"
        before = fs.attempt_state_counts(pg_engine, campaign_id)
        system.kill_dispatcher(leader)
        (survivor,) = system.dispatchers
        assert fs.wait_until(lambda: leader_pid(redis_client) == survivor.pid, timeout=15), "nobody took over"
        context = f"leader {pid} killed with attempts {before}; {survivor.pid} took over"
        assert before.get("planned", 0) + before.get("queued", 0) > 0, f"{context}: killed too late"
        audit(system, redis_client, campaign_id, plans, context, completion_timeout=60)
    said = "\n".join(path.read_text() for path in logs.glob("dispatcher-*.log"))
    took = [line for line in said.splitlines() if "took the leader lease" in line]
    assert any(f":{survivor.pid}:" in line for line in took), said
