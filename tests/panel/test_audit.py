"""Every read and change of case data by a person is audited, allowed or refused
(docs/safeguards.md §6)."""

from __future__ import annotations

import pytest

from panel.errors import NotPermitted, VoteRejected
from panel.infochecks import Known
from panel.lifecycle import Event
from panel.presets import BARNET
from panel.quorum import Presence
from panel.timeline import Timeline
from panel.usecases import common, info_checks, intake, panel_day, votes
from tests.panel.world import (
    CANARY_CHILD,
    CANARY_DOB,
    CHAIR,
    SUPPORT,
    TENANT,
    World,
    circulate_next,
    london,
    member_id,
    referral,
    world,
)


async def listed(w: World) -> str:
    case_id = await intake.refer_case(
        w.deps,
        panel_id=w.panel.id,
        actor=SUPPORT,
        referral=referral("EHM-1", "South", child=CANARY_CHILD),
    )
    await intake.screen_case(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id=case_id, decision=Event.LIST
    )
    return case_id


async def test_a_change_is_audited_with_actor_tenant_case_and_time() -> None:
    w = world(BARNET, london(2027, 1, 4, 10, 0))
    case_id = await listed(w)
    refer, screen = w.store.audit
    assert (refer.actor, refer.tenant, refer.case_id, refer.action, refer.allowed) == (
        SUPPORT,
        TENANT,
        case_id,
        "case.refer",
        True,
    )
    assert screen.action == "case.screen"
    assert screen.at == w.clock.now()
    assert screen.at.utcoffset() is not None


async def test_a_refused_action_is_audited_even_though_nothing_else_is_written() -> None:
    w = world(BARNET, london(2027, 1, 4, 10, 0))
    case_id = await listed(w)
    with pytest.raises(NotPermitted):
        await intake.screen_case(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Health"),
            case_id=case_id,
            decision=Event.LIST,
        )
    refused = w.store.audit[-1]
    assert (refused.actor, refused.action, refused.allowed, refused.reason) == (
        member_id("Health"),
        "case.screen",
        False,
        "NotPermitted",
    )


async def test_reading_a_case_is_audited_and_a_stranger_is_refused_and_audited() -> None:
    w = world(BARNET, london(2027, 1, 4, 10, 0))
    case_id = await listed(w)
    case = await intake.view_case(
        w.deps, panel_id=w.panel.id, actor=member_id("Police"), case_id=case_id
    )
    assert case.children[0].name == CANARY_CHILD
    assert w.store.audit[-1].action == "case.view"
    assert w.store.audit[-1].allowed
    with pytest.raises(NotPermitted):
        await intake.view_case(w.deps, panel_id=w.panel.id, actor="someone-else", case_id=case_id)
    assert w.store.audit[-1].allowed is False


async def test_a_tampered_vote_is_refused_and_audited() -> None:
    w = world(BARNET, london(2027, 1, 4, 10, 0))
    await listed(w)
    meeting = await circulate_next(w)
    w.clock.set(Timeline(BARNET, w.panel.calendar).schedule_for(meeting.panel_date).starts_at)
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        presence=Presence.PRESENT,
        accepted_statement=True,
    )
    with pytest.raises(VoteRejected):
        await votes.cast_vote(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Health"),
            round_id="forged",
            choice="Health",
        )
    last = w.store.audit[-1]
    assert (last.action, last.allowed, last.reason, last.panel_id) == (
        "vote.cast",
        False,
        "VoteRejected",
        BARNET.key,
    )


async def test_scheduled_steps_are_audited_as_the_system_for_each_case() -> None:
    w = world(BARNET, london(2027, 1, 4, 10, 0))
    case_id = await listed(w)
    await circulate_next(w)
    system_rows = [e for e in w.store.audit if e.actor == common.SYSTEM]
    assert [(e.action, e.case_id) for e in system_rows] == [
        ("agenda.freeze", case_id),
        ("agenda.circulate", case_id),
    ]


async def test_no_audit_row_holds_child_data() -> None:
    w = world(BARNET, london(2027, 1, 4, 10, 0))
    case_id = await listed(w)
    meeting = await circulate_next(w)
    await info_checks.record_info_check(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        case_id=case_id,
        known=Known.KNOWN,
        information=CANARY_CHILD,
        could_lead=True,
    )
    with pytest.raises(NotPermitted):
        await intake.view_case(w.deps, panel_id=w.panel.id, actor="intruder", case_id=case_id)
    text = repr(w.store.audit)
    assert len(w.store.audit) >= 5
    assert CANARY_CHILD not in text
    assert CANARY_DOB.isoformat() not in text
