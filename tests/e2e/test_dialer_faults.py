"""Fault tests for the dialer: workers killed with SIGKILL at random moments, and Redis flushed mid-campaign.

The property, in every trial: the campaign completes, and every due attempt is placed exactly once, i.e.
- each simulator call belongs to exactly one attempt of the campaign (its `?attempt=<id>` URLs) and no attempt
  has two simulator calls; every attempt the database shows as dialled has its one simulator call;
- each number got exactly the calls its case needed (1 for a "human", 2 for "busy" then "human"), which is also
  the number of attempts dialled for the case; every case ends "reached";
- no attempt is left planned, queued, dialing or placed.

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
from collections.abc import Sequence

from redis import Redis
from sqlalchemy import Engine

from contact_service.adapters.rq_queue import DIAL_QUEUE, dial_job_id
from contact_service.services.campaign_launch import CaseSelection
from tests.e2e import fault_support as fs
from tests.e2e.campaign_harness import Deployment, deployment

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
        )


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
