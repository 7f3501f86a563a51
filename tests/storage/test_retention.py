"""Retention, legal hold and subject-access export on both databases (docs/safeguards.md §7)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from adapters.in_memory import FakeClock
from panel.calendar import add_months
from panel.errors import NotFound
from panel.lifecycle import Status
from panel.outcomes import Decision
from panel.presets import BARNET
from panel.quorum import Presence
from panel.usecases import outcomes, panel_day
from storage import schema
from storage.outbox import Outbox, ProcessedActivities
from storage.retention import (
    ANONYMISED,
    export_family_member,
    export_person,
    set_legal_hold,
    sweep_retention,
)
from storage.unit_of_work import Store
from tests.panel.world import CANARY_CHILD, CANARY_DOB, CHAIR, london, member_id
from tests.storage.test_record import CANARY_CONTACT, PANEL, canary_case, circulated, deps

POLICIES = {PANEL.id: BARNET}  # Barnet keeps a closed case 24 months


async def closed_case(store: Store, clock: FakeClock) -> str:
    """A canary family stepped up to the MASH at panel: the case closes that day."""
    d = deps(store, clock)
    case_id = await canary_case(d)
    meeting, schedule = await circulated(d, clock)
    clock.set(schedule.starts_at)
    await panel_day.start_panel(d, panel_id=meeting.panel_id, actor=CHAIR)
    await panel_day.sign_in(
        d,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        presence=Presence.PRESENT,
        accepted_statement=True,
    )
    await outcomes.record_outcome(
        d,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(case_id, "step-up-mash", date.min, agreed=True),
    )
    async with store.unit_of_work() as uow:
        assert (await uow.cases.get(case_id)).status is Status.CLOSED
    return case_id


async def decrypted_text(store: Store) -> str:
    """Every encrypted value in the database, decrypted: where a leak would hide."""
    parts: list[str] = []
    async with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name.endswith("_enc")]
            if not columns:
                continue
            for row in (await conn.execute(select(*columns))).all():
                parts.extend(store.cipher.decrypt(v) for v in row if v is not None)
    return "\n".join(parts)


async def test_a_closed_case_is_anonymised_after_the_retention_period(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    case_id = await closed_case(store, clock)
    assert CANARY_CHILD in await decrypted_text(store)
    assert CANARY_CONTACT in await decrypted_text(store)
    async with store.unit_of_work() as uow:
        closed_on = (await uow.cases.get(case_id)).history[-1].at.date()
    ends = add_months(closed_on, 24)
    day_before = london(ends.year, ends.month, ends.day, 12, 0) - timedelta(days=1)
    assert (await sweep_retention(store, POLICIES, day_before)).anonymised == ()
    report = await sweep_retention(store, POLICIES, day_before + timedelta(days=1))
    assert report.anonymised == (case_id,)
    remaining = await decrypted_text(store)
    assert CANARY_CHILD not in remaining
    assert CANARY_CONTACT not in remaining  # the referrer goes with the family
    assert "EHM-CANARY-1" not in remaining
    assert ANONYMISED in remaining
    async with store.unit_of_work() as uow:
        with pytest.raises(NotFound):
            await uow.cases.get(case_id)
    async with store.engine.connect() as conn:
        decision = (await conn.execute(select(schema.decisions.c.outcome))).scalar_one()
    assert decision == "step-up-mash"  # the figures survive
    again = await sweep_retention(store, POLICIES, day_before + timedelta(days=30))
    assert again.anonymised == ()


async def test_a_case_on_legal_hold_is_kept_until_the_hold_is_lifted(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    case_id = await closed_case(store, clock)
    await set_legal_hold(store, case_id, on=True)
    later = london(2030, 1, 1, 12, 0)
    report = await sweep_retention(store, POLICIES, later)
    assert report.held == (case_id,)
    assert report.anonymised == ()
    assert CANARY_CHILD in await decrypted_text(store)
    await set_legal_hold(store, case_id, on=False)
    assert (await sweep_retention(store, POLICIES, later)).anonymised == (case_id,)


async def test_an_open_case_is_never_swept(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    await canary_case(deps(store, clock))
    report = await sweep_retention(store, POLICIES, london(2040, 1, 1, 12, 0))
    # Neither anonymised nor held; only the old message to its referrer is erased.
    assert (report.anonymised, report.held, report.messages_erased) == ((), (), 1)
    assert CANARY_CHILD in await decrypted_text(store)


async def test_a_legal_hold_on_a_missing_case_is_refused(store: Store) -> None:
    with pytest.raises(NotFound):
        await set_legal_hold(store, "no-such-case", on=True)


async def test_a_members_subject_access_export_holds_their_records_and_audit(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    case_id = await closed_case(store, clock)
    document = json.loads(await export_person(store, member_id("Health")))
    assert document["attendance"][0]["agency"] == "Health"
    assert {e["action"] for e in document["audit"]} >= {"panel.sign-in"}
    assert all(e["actor"] == member_id("Health") for e in document["audit"])
    assert document["circulations_received"][0]["case_ids"] == [case_id]
    assert case_id not in document["cases_referred"]


async def test_a_family_members_subject_access_export_finds_their_case(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    case_id = await closed_case(store, clock)
    document = json.loads(await export_family_member(store, CANARY_CHILD.upper(), CANARY_DOB))
    [case] = document["cases"]
    assert case["case"][0]["id"] == case_id
    assert case["case"][0]["reference"] == "EHM-CANARY-1"
    assert case["decision"][0]["outcome"] == "step-up-mash"
    assert {e["action"] for e in case["audit"]} >= {"case.refer", "outcome.record"}
    assert (
        json.loads(await export_family_member(store, CANARY_CHILD, date(2000, 1, 1)))["cases"] == []
    )


async def test_a_finished_messages_content_is_erased_after_30_days_and_its_key_kept(
    store: Store,
) -> None:
    outbox = Outbox(store)
    sent_at = london(2027, 1, 4, 10, 0)
    for key in ("sent", "recent", "stuck"):
        await outbox.enqueue(key, "person:p1", "circulation", {"text": CANARY_CHILD}, sent_at)
    claimed = {m.key: m for m in await outbox.claim("w1", sent_at, 10, timedelta(minutes=2))}
    await outbox.mark_sent(claimed["sent"].id, "w1", sent_at)
    await outbox.mark_sent(claimed["recent"].id, "w1", sent_at + timedelta(days=20))
    await outbox.release("w1", sent_at)  # "stuck" never goes: no worker sends it

    report = await sweep_retention(store, POLICIES, sent_at + timedelta(days=31))

    async with store.engine.connect() as conn:
        rows = {r.idempotency_key: r for r in (await conn.execute(select(schema.outbox))).all()}
    content = {k: json.loads(store.cipher.decrypt(r.payload_enc)) for k, r in rows.items()}
    assert report.messages_erased == 2
    assert content == {"sent": {}, "recent": {"text": CANARY_CHILD}, "stuck": {}}
    assert rows["stuck"].last_error == "gave up: not sent within 30 days"
    assert not await outbox.enqueue("sent", "person:p1", "circulation", {}, sent_at)  # kept


async def test_the_daily_sweep_forgets_activity_ids_two_days_old(store: Store) -> None:
    activities = ProcessedActivities(store)
    now = datetime(2027, 3, 1, 3, 30, tzinfo=UTC)
    await activities.first_time("conversation|old", now - timedelta(days=3))
    await activities.first_time("conversation|recent", now - timedelta(hours=1))

    report = await sweep_retention(store, {}, now)

    assert report.activities_forgotten == 1
    assert await activities.first_time("conversation|old", now)  # new again: it was forgotten
    assert not await activities.first_time("conversation|recent", now)
