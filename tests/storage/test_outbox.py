"""The outbox, re-delivered activities and conversation references on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from panel.messages import DirectMessage, StillMissing
from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.outbox import ConversationReferences, Outbox, ProcessedActivities
from storage.queueing import insert_message
from storage.unit_of_work import Store
from tests.panel.world import CANARY_CHILD

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def payload(n: int = 0) -> dict[str, object]:
    return {"text": f"{CANARY_CHILD} is on the agenda", "n": n, "card": {"verb": "vote"}}


async def test_enqueuing_the_same_key_twice_stores_one_encrypted_message(store: Store) -> None:
    outbox = Outbox(store)
    assert await outbox.enqueue("circulate:m1:p1", "p1", "direct", payload(), NOW)
    assert not await outbox.enqueue("circulate:m1:p1", "p1", "direct", payload(1), NOW)
    assert await outbox.pending_count() == 1
    async with store.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT payload_enc FROM outbox"))).scalars().all()
    assert len(stored) == 1
    assert CANARY_CHILD not in stored[0]
    [message] = await outbox.claim("w1", NOW, 10, LEASE)
    assert message.payload == payload()  # the first enqueue wins
    assert (message.key, message.recipient, message.kind, message.attempts) == (
        "circulate:m1:p1",
        "p1",
        "direct",
        0,
    )


async def test_a_message_enqueued_in_a_rolled_back_transaction_is_not_sent(store: Store) -> None:
    outbox = Outbox(store)
    async with store.engine.connect() as conn:
        await conn.begin()
        assert await insert_message(conn, store.cipher, "k", "p1", "direct", payload(), NOW)
        await conn.rollback()
    assert await outbox.pending_count() == 0
    assert await outbox.claim("w1", NOW, 10, LEASE) == []


async def test_a_message_is_not_claimed_before_it_is_due(store: Store) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("later", "p1", "direct", payload(), NOW + timedelta(hours=1))
    assert await outbox.claim("w1", NOW, 10, LEASE) == []
    assert [m.key for m in await outbox.claim("w1", NOW + timedelta(hours=1), 10, LEASE)] == [
        "later"
    ]


async def test_a_claimed_message_is_not_claimed_again_until_its_lease_expires(
    store: Store,
) -> None:
    outbox = Outbox(store)
    for n in range(3):
        await outbox.enqueue(f"k{n}", "p1", "direct", payload(n), NOW)
    first = await outbox.claim("w1", NOW, 2, LEASE)
    assert [m.key for m in first] == ["k0", "k1"]  # oldest first, up to the limit
    assert [m.key for m in await outbox.claim("w2", NOW, 10, LEASE)] == ["k2"]
    assert await outbox.claim("w2", NOW + LEASE - timedelta(seconds=1), 10, LEASE) == []
    again = await outbox.claim("w2", NOW + LEASE, 10, LEASE)
    assert [m.key for m in again] == ["k0", "k1", "k2"]
    assert await outbox.pending_count() == 3


async def test_mark_sent_by_a_worker_that_no_longer_holds_the_lease_is_refused(
    store: Store,
) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("k", "p1", "direct", payload(), NOW)
    [message] = await outbox.claim("w1", NOW, 10, LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    [same] = await outbox.claim("w2", later, 10, LEASE)
    assert same.id == message.id
    assert not await outbox.mark_sent(message.id, "w1", later)
    assert not await outbox.mark_failed(message.id, "w1", later, "HTTP 503", later)
    assert await outbox.mark_sent(message.id, "w2", later)
    assert not await outbox.mark_sent(message.id, "w2", later)  # once only
    assert await outbox.pending_count() == 0
    assert await outbox.claim("w3", later + timedelta(days=1), 10, LEASE) == []


async def test_a_sender_whose_lease_ran_out_unclaimed_can_still_record_the_send(
    store: Store,
) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("k", "p1", "direct", payload(), NOW)
    [message] = await outbox.claim("w1", NOW, 10, LEASE)
    assert await outbox.mark_sent(message.id, "w1", NOW + 2 * LEASE)
    assert await outbox.claim("w2", NOW + 3 * LEASE, 10, LEASE) == []


async def test_a_failed_message_is_retried_at_its_retry_time_with_attempts_counted(
    store: Store,
) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("k", "p1", "direct", payload(), NOW)
    [message] = await outbox.claim("w1", NOW, 10, LEASE)
    retry_at = NOW + timedelta(seconds=30)
    assert await outbox.mark_failed(message.id, "w1", NOW, "HTTP 429 Retry-After 30", retry_at)
    # The lease is released at once, but the message waits for its retry time.
    assert await outbox.claim("w2", retry_at - timedelta(seconds=1), 10, LEASE) == []
    [retried] = await outbox.claim("w2", retry_at, 10, LEASE)
    assert retried.id == message.id
    assert retried.attempts == 1
    assert retried.payload == payload()
    assert await outbox.mark_failed(retried.id, "w2", retry_at, "HTTP 503", retry_at)
    [third] = await outbox.claim("w1", retry_at, 10, LEASE)
    assert third.attempts == 2
    assert await outbox.failed() == []


async def test_a_given_up_message_is_never_claimed_again_and_is_listed_without_payload(
    store: Store,
) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("gone", "p1", "direct", payload(), NOW)
    await outbox.enqueue("fine", "p2", "direct", payload(), NOW)
    [gone, fine] = await outbox.claim("w1", NOW, 10, LEASE)
    assert await outbox.mark_failed(gone.id, "w1", NOW, "HTTP 403\nbot blocked " * 50, None)
    assert await outbox.mark_sent(fine.id, "w1", NOW)
    for later in (NOW, NOW + LEASE, NOW + timedelta(days=365)):
        assert await outbox.claim("w2", later, 10, LEASE) == []
    assert await outbox.pending_count() == 0
    [failed] = await outbox.failed()
    assert (failed.id, failed.key, failed.recipient, failed.kind, failed.attempts) == (
        gone.id,
        "gone",
        "p1",
        "direct",
        1,
    )
    assert failed.last_error.startswith("gave up: HTTP 403 bot blocked")
    assert len(failed.last_error) == 500
    assert "\n" not in failed.last_error
    assert failed.last_attempt_at == NOW
    assert CANARY_CHILD not in repr(failed)
    assert not hasattr(failed, "payload")
    assert not await outbox.mark_sent(gone.id, "w1", NOW)  # the giver-up no longer holds it


async def test_a_message_no_configured_key_can_read_is_given_up_and_the_rest_still_go(
    store: Store,
) -> None:
    stranger = Outbox(Store(store.engine, FieldCipher([FieldCipher.new_key()], "x" * 32)))
    await stranger.enqueue("unreadable", "p1", "direct", payload(), NOW)
    outbox = Outbox(store)
    await outbox.enqueue("readable", "p2", "direct", payload(), NOW)
    assert [m.key for m in await outbox.claim("w1", NOW, 10, LEASE)] == ["readable"]
    [failed] = await outbox.failed()
    assert failed.key == "unreadable"
    assert failed.last_error.startswith("gave up:")


async def test_times_must_be_timezone_aware(store: Store) -> None:
    outbox = Outbox(store)
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        await outbox.enqueue("k", "p1", "direct", payload(), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        await ProcessedActivities(store).first_time("a", naive)


async def test_two_workers_claiming_concurrently_never_claim_the_same_row(
    store: Store, database_url: str
) -> None:
    """On PostgreSQL through FOR UPDATE SKIP LOCKED; on SQLite through BEGIN IMMEDIATE."""
    total = 200
    first = Outbox(store)
    for n in range(total):
        await first.enqueue(f"k{n}", f"p{n % 7}", "direct", payload(n), NOW)
    other_engine = create_engine(database_url)
    try:
        second = Outbox(Store(other_engine, store.cipher))
        workers = [(first, "w1"), (second, "w2")] * 12
        batches = await asyncio.gather(*(w.claim(name, NOW, 10, LEASE) for w, name in workers))
        claims = [
            (name, m.id) for (_, name), batch in zip(workers, batches, strict=True) for m in batch
        ]
        # Skipped rows may be left for a later round; drain them, still alternating workers.
        while True:
            one = await first.claim("w1", NOW, 10, LEASE)
            two = await second.claim("w2", NOW, 10, LEASE)
            if not one and not two:
                break
            claims += [("w1", m.id) for m in one] + [("w2", m.id) for m in two]
    finally:
        await other_engine.dispose()
    ids = Counter(message_id for _, message_id in claims)
    assert max(ids.values()) == 1, "a row was claimed twice"
    assert len(ids) == total
    assert {name for name, _ in claims} == {"w1", "w2"}
    async with store.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, leased_by FROM outbox"))).all()
    assert {r.id: r.leased_by for r in rows} == {i: n for n, i in claims}


async def test_an_activity_is_processed_the_first_time_and_a_redelivery_is_not(
    store: Store,
) -> None:
    activities = ProcessedActivities(store)
    assert await activities.first_time("activity-1", NOW)
    assert not await activities.first_time("activity-1", NOW + timedelta(seconds=5))
    assert await activities.first_time("activity-2", NOW + timedelta(minutes=10))


async def test_twenty_concurrent_deliveries_of_one_activity_are_processed_once(
    store: Store,
) -> None:
    activities = ProcessedActivities(store)
    outcomes = await asyncio.gather(*(activities.first_time("same", NOW) for _ in range(20)))
    assert outcomes.count(True) == 1
    assert outcomes.count(False) == 19


async def test_processed_activities_before_a_cutoff_are_forgotten(store: Store) -> None:
    activities = ProcessedActivities(store)
    await activities.first_time("old", NOW - timedelta(days=2))
    await activities.first_time("new", NOW)
    assert await activities.forget_before(NOW - timedelta(days=1)) == 1
    assert await activities.first_time("old", NOW)  # forgotten, so new again
    assert not await activities.first_time("new", NOW)


async def test_a_conversation_reference_is_saved_replaced_and_read_back(store: Store) -> None:
    references = ConversationReferences(store)
    assert await references.get("tenant", "p1") is None
    first = {"serviceUrl": "https://smba.example/emea/", "conversation": {"id": "a:1"}}
    await references.save("tenant", "p1", first, NOW)
    assert await references.get("tenant", "p1") == first
    moved = {"serviceUrl": "https://smba.example/uk/", "conversation": {"id": "a:1"}}
    await references.save("tenant", "p1", moved, NOW + timedelta(days=1))
    assert await references.get("tenant", "p1") == moved
    assert await references.get("other-tenant", "p1") is None
    await references.save("tenant", "channel:barnet", {"conversation": {"id": "19:c"}}, NOW)
    assert await references.get("tenant", "p1") == moved
    async with store.engine.connect() as conn:
        count = (
            await conn.execute(text("SELECT count(*) FROM conversation_references"))
        ).scalar_one()
    assert count == 2


async def test_a_stopping_worker_hands_back_what_it_claimed_at_once(store: Store) -> None:
    outbox = Outbox(store)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    for n in range(3):
        await outbox.enqueue(f"k{n}", "person:a", "still-missing", {"text": "x"}, now)
    await outbox.claim("worker-a", now, 3, timedelta(minutes=2))

    released = await outbox.release("worker-a", now)
    taken = await outbox.claim("worker-b", now, 3, timedelta(minutes=2))

    assert released == 3
    assert len(taken) == 3


async def test_a_send_with_an_unknown_outcome_is_remembered_from_its_first_attempt(
    store: Store,
) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("k", "p1", "direct", payload(), NOW)
    [first] = await outbox.claim("w1", NOW, 10, LEASE)
    assert first.unconfirmed_since is None
    assert await outbox.begin(first.id, "w1", NOW)
    # A 502: it may have arrived. The retry's claim carries the moment to look from.
    retry_at = NOW + timedelta(seconds=30)
    assert await outbox.mark_failed(first.id, "w1", NOW, "Teams answered 502", retry_at, NOW)
    [second] = await outbox.claim("w2", retry_at, 10, LEASE)
    assert second.unconfirmed_since == NOW
    # A later attempt keeps the earliest moment; a definite failure does not forget it.
    assert await outbox.begin(second.id, "w2", retry_at)
    assert await outbox.mark_failed(
        second.id, "w2", retry_at, "Teams answered 429", retry_at, second.unconfirmed_since
    )
    [third] = await outbox.claim("w3", retry_at, 10, LEASE)
    assert third.unconfirmed_since == NOW
    assert await outbox.mark_sent(third.id, "w3", retry_at)
    async with store.engine.connect() as conn:
        left = (await conn.execute(text("SELECT unconfirmed_since FROM outbox"))).scalar_one()
    assert left is None


async def test_a_worker_killed_mid_send_leaves_the_attempt_for_the_next_to_look_for(
    store: Store,
) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("k", "p1", "direct", payload(), NOW)
    [claimed] = await outbox.claim("dies", NOW, 10, LEASE)
    assert await outbox.begin(claimed.id, "dies", NOW)

    [taken] = await outbox.claim("takes-over", NOW + LEASE, 10, LEASE)
    assert taken.unconfirmed_since == NOW
    assert not await outbox.begin(claimed.id, "dies", NOW + LEASE)  # it no longer holds it


async def test_a_message_given_up_on_is_reported_to_business_support_once(store: Store) -> None:
    outbox = Outbox(store)
    await outbox.enqueue("gone", "person:p1", "direct", payload(), NOW)
    await outbox.enqueue("fine", "person:p2", "direct", payload(), NOW)
    [gone, fine] = await outbox.claim("w1", NOW, 10, LEASE)
    assert await outbox.mark_failed(gone.id, "w1", NOW, "Teams answered 403", None)
    assert await outbox.mark_sent(fine.id, "w1", NOW)

    [unreported] = await outbox.unreported()
    assert (unreported.key, unreported.last_error) == ("gone", "gave up: Teams answered 403")
    assert await outbox.mark_reported([unreported.id], NOW) == 1
    assert await outbox.unreported() == []
    assert [f.key for f in await outbox.failed()] == ["gone"]  # still listed on request


async def test_the_desk_sees_each_message_of_a_sending_waiting_retrying_delivered_or_given_up(
    store: Store,
) -> None:
    outbox = Outbox(store)
    for person in ("p1", "p2", "p3", "p4"):
        await outbox.enqueue(
            f"circulation:m_1:{person}", f"person:{person}", "circulation", {}, NOW
        )
    await outbox.enqueue("circulation:m11:p1", "person:p1", "circulation", {}, NOW)  # not m_1
    [first, second, third, _] = await outbox.claim("w1", NOW, 4, LEASE)
    await outbox.mark_sent(first.id, "w1", NOW, "1767517200000")
    await outbox.mark_failed(second.id, "w1", NOW, "Teams is busy", NOW + LEASE)
    await outbox.mark_failed(third.id, "w1", NOW, "Teams refused", None)
    await outbox.release("w1", NOW)

    found = await outbox.deliveries("circulation:m_1:")

    assert [(d.person_id, d.progress.value, d.problem) for d in found] == [
        ("p1", "delivered", ""),
        ("p2", "retrying", "Teams is busy"),
        ("p3", "gave-up", "Teams refused"),
        ("p4", "waiting", ""),
    ]
    assert found[1].next_at == NOW + LEASE
    assert [d.person_id for d in await outbox.not_delivered()] == ["p2", "p3", "p4", "p1"]


async def test_a_read_receipt_marks_read_what_was_sent_up_to_the_message_it_names(
    store: Store,
) -> None:
    outbox = Outbox(store)
    for n in (1, 2, 3):
        await outbox.enqueue(f"k{n}", "person:p1", "circulation", {}, NOW)
    await outbox.enqueue("other", "person:p2", "circulation", {}, NOW)
    claimed = await outbox.claim("w1", NOW, 4, LEASE)
    for message, teams_id in zip(claimed, ("1000", "2000", "3000", "1500"), strict=True):
        await outbox.mark_sent(message.id, "w1", NOW, teams_id)

    assert await outbox.mark_read("person:p1", "2000", NOW) == 2
    assert await outbox.mark_read("person:p1", "2000", NOW) == 0  # already read
    assert await outbox.mark_read("person:p1", "not-a-number", NOW) == 0
    progress = {d.key: d.progress.value for d in await outbox.deliveries("")}
    assert progress == {"k1": "read", "k2": "read", "k3": "delivered", "other": "delivered"}


async def test_workers_count_those_heard_from_lately_and_a_stopped_one_leaves(
    store: Store,
) -> None:
    outbox = Outbox(store)
    alive = timedelta(seconds=15)
    assert await outbox.heartbeat("w1", NOW, alive) == 1
    assert await outbox.heartbeat("w2", NOW + timedelta(seconds=1), alive) == 2
    # w1 goes quiet (killed): after the window only w2 counts.
    assert await outbox.heartbeat("w2", NOW + timedelta(seconds=20), alive) == 1
    assert await outbox.heartbeat("w1", NOW + timedelta(seconds=21), alive) == 2
    await outbox.release("w1", NOW + timedelta(seconds=22))  # stopped cleanly
    assert await outbox.heartbeat("w2", NOW + timedelta(seconds=23), alive) == 1


async def test_a_use_cases_messages_commit_with_its_change_or_not_at_all(store: Store) -> None:
    woken: list[bool] = []
    store.on_messages = lambda: woken.append(True)
    message = DirectMessage(
        "p1", "circulation:m1:p1", "The list.", StillMissing("m1"), queued_for=None
    )

    async def fails_before_commit() -> None:
        async with store.unit_of_work() as uow:
            uow.send(message, NOW)
            raise RuntimeError("the use case fails (or is cancelled) before it commits")

    with pytest.raises(RuntimeError):
        await fails_before_commit()
    nothing = await Outbox(store).pending_count()
    async with store.unit_of_work() as uow:
        uow.send(message, NOW)
        await uow.commit()

    assert nothing == 0
    [queued] = await Outbox(store).claim("w1", NOW, 10, LEASE)
    assert (queued.key, queued.recipient, queued.kind) == (
        "circulation:m1:p1",
        "person:p1",
        "still-missing",
    )
    assert queued.payload == {"v": 2, "text": "The list.", "body": {"meeting_id": "m1"}}
    assert woken == [True]


async def test_a_cancelled_message_is_never_claimed_and_keeps_only_its_reason(
    store: Store,
) -> None:
    outbox = Outbox(store)
    queued_for = {"panel": "demo", "meeting": "m1", "sitting": ["circulated"]}
    await outbox.enqueue("k", "person:p1", "circulation", payload(), NOW, queued_for)
    [message] = await outbox.claim("w1", NOW, 10, LEASE)
    assert message.queued_for == queued_for

    assert await outbox.cancel(message.id, "w1", NOW, "the sitting has moved on")

    assert await outbox.claim("w1", NOW + timedelta(hours=1), 10, LEASE) == []
    assert await outbox.pending_count() == 0
    assert await outbox.failed() == []  # not a failure: nothing for business support to chase
    async with store.engine.connect() as conn:
        row = (await conn.execute(text("SELECT payload_enc, last_error FROM outbox"))).one()
    assert store.cipher.decrypt(row.payload_enc) == "{}"  # the case detail is gone at once
    assert row.last_error == "cancelled: the sitting has moved on"


async def test_a_database_error_does_not_carry_the_values_it_was_given(store: Store) -> None:
    async with store.engine.connect() as conn:
        with pytest.raises(DBAPIError) as raised:
            await conn.execute(
                text(
                    "INSERT INTO panels (id, name, tenant_id, policy_key) VALUES (:i, :n, :t, :p)"
                ),
                {"i": None, "n": CANARY_CHILD, "t": "", "p": "barnet"},
            )
    assert CANARY_CHILD not in str(raised.value)
