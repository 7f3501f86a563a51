"""Every instance runs the scheduler, so the week's step may come due in two places at once.
As app.py runs it, under the sweep's lock (storage/locks.py), one instance does the work and
the other skips it or finds it done: one agenda, one circulation per member, no failure.
Without the lock the second instance failed on the sitting's unique key."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from adapters.in_memory import FakeClock, FakeNotifier
from panel.errors import Conflict
from panel.lifecycle import Event
from panel.meeting import Meeting, MeetingStatus
from panel.messages import Kind
from panel.roster import Role
from panel.timeline import Timeline
from panel.usecases import intake, week
from panel.usecases.common import Deps, new_id
from storage import schema
from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.locks import exclusively, lock_key
from storage.unit_of_work import Store
from tests.panel.world import SUPPORT, london, referral
from tests.storage.test_record import PANEL, deps


async def instance(d: Deps, store: Store) -> week.WeekStep | None:
    async with exclusively(store, f"week:{PANEL.id}") as mine:
        return await week.run_week(d, PANEL.id) if mine else None


async def test_two_instances_stepping_the_week_at_once_freeze_and_circulate_once(
    store: Store, database_url: str, cipher: FieldCipher
) -> None:
    clock = FakeClock(london(2026, 12, 1, 14))
    first = deps(store, clock)
    case_id = await intake.refer_case(
        first, panel_id=PANEL.id, actor=SUPPORT, referral=referral("EHM-1", "South")
    )
    await intake.screen_case(
        first, panel_id=PANEL.id, actor=SUPPORT, case_id=case_id, decision=Event.LIST
    )
    schedule = Timeline(PANEL.policy, PANEL.calendar).next_open_for_listing(clock.now())
    clock.set(schedule.circulation_at + timedelta(minutes=1))
    other_store = Store(create_engine(database_url), cipher)
    notifiers = FakeNotifier(), FakeNotifier()
    try:
        one = deps(store, clock, notifiers[0])
        two = deps(other_store, clock, notifiers[1])
        steps = await asyncio.gather(instance(one, store), instance(two, other_store))
    finally:
        await other_store.engine.dispose()

    async with store.unit_of_work() as uow:
        meeting = await uow.meetings.on_date(PANEL.id, schedule.panel_date)
    assert meeting is not None
    assert meeting.status is MeetingStatus.CIRCULATED
    assert sum(step.frozen for step in steps if step is not None) == 1
    async with store.engine.connect() as conn:
        queued = (
            await conn.execute(
                select(schema.outbox.c.recipient).where(
                    schema.outbox.c.kind == Kind.CIRCULATION.value
                )
            )
        ).scalars()
        circulated_to = sorted(queued)
    members = [m for m in PANEL.with_role(Role.MEMBER) if PANEL.agency_of(m) and m.has_teams]
    assert circulated_to == sorted(f"person:{m.person_id}" for m in members)
    assert [n.direct_messages for n in notifiers] == [[], []]  # sent with the transaction


def test_lock_keys_are_stable_signed_64_bit_numbers() -> None:
    assert lock_key("week:barnet") == lock_key("week:barnet")
    assert lock_key("week:barnet") != lock_key("week:camden")
    assert -(2**63) <= lock_key("retention") < 2**63


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_same_sitting_created_twice_at_once_is_a_plain_conflict_not_a_crash(
    store: Store,
) -> None:
    """E.g. a chair's "freeze now" and the scheduler's freeze at the same moment. (SQLite runs
    one transaction at a time, so there the second simply finds the first's sitting.)"""
    day = date(2026, 12, 8)
    async with store.unit_of_work() as first, store.unit_of_work() as second:
        await first.meetings.add(Meeting(new_id(), PANEL.id, day))
        await second.meetings.add(Meeting(new_id(), PANEL.id, day))
        await first.commit()
        with pytest.raises(Conflict, match="Someone else changed this at the same moment"):
            await second.commit()

    async with store.unit_of_work() as uow:
        assert await uow.meetings.on_date(PANEL.id, day) is not None
