"""The durable record on SQLite and PostgreSQL: round trips, the whole week, encryption, audit."""

from __future__ import annotations

import asyncio
import dataclasses
import glob
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from adapters.in_memory import FakeClock, FakeNotifier, FakePanels
from panel.cases import Case, Person, Referrer
from panel.errors import InvalidInput, NotFound, Unavailable
from panel.infochecks import Known
from panel.lifecycle import Event, Status
from panel.meeting import Meeting
from panel.outcomes import Action, Decision
from panel.presets import BARNET
from panel.quorum import Presence
from panel.timeline import PanelSchedule, Timeline
from panel.usecases import escalations, info_checks, intake, outcomes, panel_day, votes, week
from panel.usecases.common import Deps
from storage import schema
from storage.crypto import CipherError, FieldCipher
from storage.engine import create_engine
from storage.mapping import aware
from storage.migrate import upgrade_async
from storage.unit_of_work import Store
from tests.panel.world import (
    CANARY_CHILD,
    CANARY_DOB,
    CHAIR,
    SUPPORT,
    build_panel,
    london,
    member_id,
    referral,
)
from tests.storage.conftest import KEY, LOOKUP

PANEL = build_panel(BARNET)


def deps(store: Store, clock: FakeClock, notifier: FakeNotifier | None = None) -> Deps:
    return Deps(FakePanels(PANEL), store.unit_of_work, clock)


CANARY_CONTACT = "canary.referrer@school.example"


async def canary_case(d: Deps, reference: str = "EHM-CANARY-1") -> str:
    ref = dataclasses.replace(
        referral(reference, "South"),
        children=(Person(CANARY_CHILD, CANARY_DOB),),
        referrer=Referrer("Canary Referrer", "A School", CANARY_CONTACT),
    )
    case_id = await intake.refer_case(d, panel_id=PANEL.id, actor=SUPPORT, referral=ref)
    await intake.screen_case(
        d, panel_id=PANEL.id, actor=CHAIR, case_id=case_id, decision=Event.LIST
    )
    return case_id


async def circulated(d: Deps, clock: FakeClock) -> tuple[Meeting, PanelSchedule]:
    """The next sitting frozen at its cut-off and circulated at its circulation time."""
    schedule = Timeline(BARNET, PANEL.calendar).next_open_for_listing(clock.now())
    clock.set(schedule.cutoff_at)
    meeting = await week.freeze_agenda(d, panel_id=PANEL.id)
    assert meeting is not None
    clock.set(schedule.circulation_at)
    assert await week.circulate_agenda(d, meeting_id=meeting.id) > 0
    return meeting, schedule


async def run_week(d: Deps, clock: FakeClock) -> tuple[str, str]:
    """Refer, freeze, circulate, answer, sit, vote, decide, escalate, close: the Barnet week."""
    case_id = await canary_case(d)
    escalated = await canary_case(d, "EHM-CANARY-2")
    meeting, schedule = await circulated(d, clock)
    await info_checks.record_info_check(
        d,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        case_id=case_id,
        known=Known.KNOWN,
        information=f"Knows {CANARY_CHILD}",
        could_lead=True,
    )
    # A second offer to lead: with one there would be nothing to vote on.
    await info_checks.record_info_check(
        d,
        meeting_id=meeting.id,
        actor=member_id("Police"),
        case_id=case_id,
        known=Known.KNOWN,
        information="Known to us.",
        could_lead=True,
    )
    await info_checks.record_capacity(
        d, meeting_id=meeting.id, actor=member_id("Health"), allocations=2
    )
    clock.set(schedule.starts_at)
    await panel_day.start_panel(d, panel_id=meeting.panel_id, actor=CHAIR)
    for agency in ("Health", "Police", "MASH"):
        await panel_day.sign_in(
            d,
            meeting_id=meeting.id,
            actor=member_id(agency),
            presence=Presence.PRESENT,
            accepted_statement=True,
        )
    await panel_day.declare_conflict(
        d, meeting_id=meeting.id, actor=member_id("MASH"), case_id=case_id
    )
    vote = await votes.open_vote(d, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    for agency in ("Health", "Police"):
        await votes.cast_vote(
            d, meeting_id=meeting.id, actor=member_id(agency), round_id=vote.id, choice="Health"
        )
    await outcomes.record_outcome(
        d,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            case_id,
            "eha",
            date.min,
            lead_agency="Health",
            taf_agencies=("Police",),
            actions=(Action("Health", f"Visit {CANARY_CHILD}", schedule.panel_date),),
            rationale=f"{CANARY_CHILD} needs a hub assessment",
            also=("follow-up",),
            checklist=((BARNET.checklist[0], "Yes"), (BARNET.checklist[2], "No")),
            agreed=True,
        ),
    )
    await escalations.record_escalation(
        d,
        meeting_id=meeting.id,
        actor=CHAIR,
        case_id=escalated,
        owner=CHAIR,
        interim_service=f"{CANARY_CHILD} keeps seeing the school nurse",
        interim_agency="Health",
    )
    await outcomes.close_panel(d, meeting_id=meeting.id, actor=CHAIR)
    return case_id, meeting.id


async def test_the_whole_week_survives_in_the_database_and_reads_back(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    d = deps(store, clock)
    case_id, meeting_id = await run_week(d, clock)
    async with store.unit_of_work() as uow:
        case = await uow.cases.get(case_id)
        meeting = await uow.meetings.get(meeting_id)
    assert case.children[0].name == CANARY_CHILD
    assert case.children[0].date_of_birth == CANARY_DOB
    assert case.status is Status.TRACKING
    assert case.decision is not None
    assert case.decision.rationale == f"{CANARY_CHILD} needs a hub assessment"
    assert [m.code for m in case.milestones][:2] == ["contact", "home-visit"]
    assert [t.event for t in case.history][-3:] == [
        Event.DISCUSS,
        Event.RECORD_OUTCOME,
        Event.START_TRACKING,
    ]
    assert meeting.answers[(case_id, "Health")].information == f"Knows {CANARY_CHILD}"
    assert meeting.capacity == {"Health": 2}
    assert meeting.conflicted(case_id) == frozenset({"MASH"})
    [vote] = meeting.rounds.values()
    assert vote.votes == {"Health": "Health", "Police": "Health"}
    assert vote.result is not None
    assert vote.result.winner == "Health"
    assert meeting.minutes is not None
    assert [i.lead_agency for i in meeting.minutes.items if i.case_id == case_id] == ["Health"]
    assert meeting.decisions[case_id].actions[0].text == f"Visit {CANARY_CHILD}"
    # Issue 15: the combination, the checklist answers, and the escalation read back.
    assert case.decision.outcomes == ("eha", "follow-up")
    assert case.decision.checklist == ((BARNET.checklist[0], "Yes"), (BARNET.checklist[2], "No"))
    assert not case.decision.agreed  # the vote decided it
    escalation = next(i.escalation for i in meeting.minutes.items if i.escalation)
    assert escalation.startswith("Head of Service on Tuesday 12 January 2027.")
    assert len(meeting.circulations) == len([m for m in PANEL.members if PANEL.agency_of(m)])


async def test_an_escalation_is_stored_raised_and_resolved_into_a_decision(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    d = deps(store, clock)
    await run_week(d, clock)
    async with store.unit_of_work() as uow:
        escalated = await uow.cases.active_with_reference(PANEL.id, "EHM-CANARY-2")
    assert escalated is not None
    assert escalated.status is Status.ESCALATED
    assert escalated.escalation is not None
    assert escalated.escalation.interim_service == f"{CANARY_CHILD} keeps seeing the school nurse"
    assert escalated.escalation.interim_agency == "Health"
    with pytest.raises(InvalidInput, match="last escalation stage"):
        await escalations.raise_escalation(
            d, panel_id=PANEL.id, actor=CHAIR, case_id=escalated.id, reason="No agreement."
        )
    clock.set(london(2027, 1, 7, 11, 0))
    await escalations.resolve_escalation(
        d,
        panel_id=PANEL.id,
        actor=CHAIR,
        decision=Decision(escalated.id, "universal-plus", date.min),
        resolution="The Head of Service decided Universal Plus.",
    )
    async with store.unit_of_work() as uow:
        resolved = await uow.cases.get(escalated.id)
    assert resolved.status is Status.TRACKING
    assert resolved.decision is not None
    assert resolved.decision.escalated
    assert resolved.decision.decided_on == date(2027, 1, 7)
    assert resolved.escalation is not None
    assert resolved.escalation.resolved_on == date(2027, 1, 7)
    assert [m.code for m in resolved.milestones] == ["universal-plus-review"]
    assert [t.event for t in resolved.history][-3:] == [
        Event.ESCALATE,
        Event.RESOLVE_ESCALATION,
        Event.START_TRACKING,
    ]


async def test_a_canary_child_is_not_stored_in_plaintext_anywhere(
    store: Store, database_url: str
) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    case_id, _ = await run_week(deps(store, clock), clock)
    needles = [CANARY_CHILD, CANARY_DOB.isoformat(), "EHM-CANARY-1", CANARY_CONTACT]
    if store.engine.dialect.name == "sqlite":
        await store.engine.dispose()  # checkpoint nothing away: read the main file and the WAL
        path = database_url.split("///", 1)[1]
        blob = b"".join(Path(p).read_bytes() for p in glob.glob(path + "*"))
        assert blob, "the database file should exist"
        for needle in needles:
            assert needle.encode() not in blob
    else:
        async with store.engine.connect() as conn:
            for table in schema.metadata.sorted_tables:
                rows = await conn.execute(text(f"SELECT t::text FROM {table.name} AS t"))
                dump = "\n".join(r[0] for r in rows)
                for needle in needles:
                    assert needle not in dump, f"{needle} in {table.name}"
    async with store.unit_of_work() as uow:
        stored = await uow.cases.get(case_id)
        assert stored.children[0].name == CANARY_CHILD
        assert stored.referrer == Referrer("Canary Referrer", "A School", CANARY_CONTACT)


async def test_a_case_is_found_by_its_reference_through_a_keyed_hash(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    case_id = await canary_case(deps(store, clock))
    async with store.unit_of_work() as uow:
        found = await uow.cases.active_with_reference(PANEL.id, "EHM-CANARY-1")
        assert found is not None
        assert found.id == case_id
        assert await uow.cases.active_with_reference(PANEL.id, "EHM-OTHER") is None
    async with store.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT reference_hash FROM cases"))).scalar_one()
    assert stored == FieldCipher([KEY], LOOKUP).lookup_hash("ehm-canary-1 ")
    assert "CANARY" not in stored


async def test_a_rotated_key_encrypts_new_rows_and_still_reads_old_ones(
    store: Store, database_url: str
) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    old_case = await canary_case(deps(store, clock))
    newest = FieldCipher.new_key()
    rotated = Store(store.engine, FieldCipher([newest, KEY], LOOKUP))
    new_case = await intake.refer_case(
        deps(rotated, clock),
        panel_id=PANEL.id,
        actor=SUPPORT,
        referral=referral("EHM-NEW", "South"),
    )
    async with rotated.unit_of_work() as uow:
        assert (await uow.cases.get(old_case)).children[0].name == CANARY_CHILD
    only_newest = Store(store.engine, FieldCipher([newest], LOOKUP))
    async with only_newest.unit_of_work() as uow:
        assert (await uow.cases.get(new_case)).reference == "EHM-NEW"
        with pytest.raises(CipherError):
            await uow.cases.get(old_case)


async def test_reads_and_changes_are_audited_without_child_data(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    d = deps(store, clock)
    case_id = await canary_case(d)
    await intake.view_case(d, panel_id=PANEL.id, actor=member_id("Police"), case_id=case_id)
    with pytest.raises(NotFound):
        await intake.view_case(d, panel_id=PANEL.id, actor=member_id("Police"), case_id="forged")
    async with store.engine.connect() as conn:
        rows = (await conn.execute(schema.audit_log.select().order_by(schema.audit_log.c.id))).all()
    actions = [(r.action, r.allowed, r.case_id) for r in rows]
    assert actions == [
        ("case.refer", True, case_id),
        ("case.screen", True, case_id),
        ("case.view", True, case_id),
        ("case.view", False, "forged"),
    ]
    assert all(r.tenant == PANEL.tenant_id and r.at is not None for r in rows)
    dump = repr(rows)
    assert CANARY_CHILD not in dump
    assert "EHM-CANARY-1" not in dump


async def test_the_audit_log_cannot_be_rewritten(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    await canary_case(deps(store, clock))
    for statement in ("UPDATE audit_log SET allowed = false", "DELETE FROM audit_log"):
        async with store.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                await conn.execute(text(statement))
            await conn.rollback()


async def test_concurrent_votes_record_exactly_one_vote_per_agency(store: Store) -> None:
    clock = FakeClock(london(2027, 1, 4, 10, 0))
    d = deps(store, clock)
    case_id = await canary_case(d)
    meeting, schedule = await circulated(d, clock)
    clock.set(schedule.starts_at)
    await panel_day.start_panel(d, panel_id=meeting.panel_id, actor=CHAIR)
    agencies = ["Health", "Police", "MASH", "Education", "Early Help"]
    for agency in agencies:
        await panel_day.sign_in(
            d,
            meeting_id=meeting.id,
            actor=member_id(agency),
            presence=Presence.PRESENT,
            accepted_statement=True,
        )
    vote = await votes.open_vote(d, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    # 20 votes at once: every agency clicks four times.
    attempts = [
        votes.cast_vote(
            d, meeting_id=meeting.id, actor=member_id(a), round_id=vote.id, choice="Health"
        )
        for _ in range(4)
        for a in agencies
    ]
    outcomes = await asyncio.gather(*attempts)
    assert sum(not cast.duplicate for cast, _ in outcomes) == len(agencies)
    async with store.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT agency FROM votes"))).all()
    assert sorted(r.agency for r in rows) == sorted(agencies)
    async with store.unit_of_work() as uow:
        stored = (await uow.meetings.get(meeting.id)).rounds[vote.id]
    assert stored.result is not None
    assert stored.result.winner == "Health"
    assert stored.result.tally.cast == len(agencies)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_connection_killed_mid_transaction_leaves_no_partial_write(
    database_url: str, cipher: FieldCipher
) -> None:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    killed = Store(engine, cipher)
    try:
        clock = FakeClock(london(2027, 1, 4, 10, 0))
        async with killed.unit_of_work() as uow:
            await uow.cases.add(
                Case.from_referral(
                    "c-killed", PANEL.id, referral("EHM-K", "South"), clock.now(), SUPPORT
                )
            )
            session = uow._require()
            await session.flush()  # the case's rows are written inside the open transaction
            pid = (await session.conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with engine.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(Unavailable, match="Nothing was saved"):
                await uow.commit()
        async with engine.connect() as conn:
            for table in ("cases", "case_people", "case_transitions"):
                count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                assert count == 0, table
    finally:
        await engine.dispose()


async def test_times_written_in_british_summer_time_read_back_as_the_same_instant(
    store: Store,
) -> None:
    clock = FakeClock(london(2027, 7, 5, 10, 0))  # BST: 09:00 UTC
    d = deps(store, clock)
    case_id = await canary_case(d)
    async with store.unit_of_work() as uow:
        case = await uow.cases.get(case_id)
    assert case.referred_at == clock.now()
    assert case.history[-1].at == clock.now()
    async with store.engine.connect() as conn:
        at = (await conn.execute(text("SELECT at FROM audit_log ORDER BY id LIMIT 1"))).scalar_one()
    assert (
        aware(at) == clock.now() if isinstance(at, datetime) else at.startswith("2027-07-05 09:00")
    )


async def test_loading_and_committing_an_unchanged_sitting_writes_nothing(store: Store) -> None:
    clock = FakeClock(london(2027, 7, 5, 10, 0))
    d = deps(store, clock)
    _, meeting_id = await run_week(d, clock)
    writes: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with store.unit_of_work() as uow:
            meeting = await uow.meetings.get(meeting_id)
            for case_id in meeting.decisions:
                await uow.cases.get(case_id)
            await uow.commit()
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", record)
    assert writes == []
