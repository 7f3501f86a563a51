"""The use cases' refusals and safeguards (docs/safeguards.md), each one able to fail."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from panel.calendar import long_date
from panel.errors import (
    ConsentMissing,
    DeadlinePassed,
    InvalidInput,
    NotFound,
    NotPermitted,
    NotQuorate,
    SafeguardingRedirect,
    VoteRejected,
)
from panel.infochecks import Cell, Known
from panel.lifecycle import Event, Status
from panel.meeting import Meeting
from panel.messages import Circulation, ConsoleUpdate, Kind
from panel.outcomes import Decision
from panel.policy import CaseField, Section
from panel.presets import BARNET, CAMDEN, LEICESTER
from panel.quorum import Presence
from panel.timeline import Timeline
from panel.usecases import (
    escalations,
    follow_up,
    info_checks,
    intake,
    leads,
    outcomes,
    panel_day,
    votes,
    week,
)
from panel.votes import RoundState
from tests.panel.world import (
    CANARY_CHILD,
    CANARY_DOB,
    CHAIR,
    SUPPORT,
    World,
    circulate_next,
    london,
    member_id,
    referral,
    world,
)

MONDAY = london(2027, 1, 4, 10, 0)


async def listed(w: World, ref: str = "EHM-1", child: str = "Child A") -> str:
    case_id = await intake.refer_case(
        w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=referral(ref, "South", child=child)
    )
    await intake.screen_case(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id=case_id, decision=Event.LIST
    )
    return case_id


async def in_session(w: World, agencies: tuple[str, ...] = ("Health", "Police", "MASH")) -> Meeting:
    meeting = await circulate_next(w)
    w.clock.set(
        Timeline(w.panel.policy, w.panel.calendar).schedule_for(meeting.panel_date).starts_at
    )
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    for agency in agencies:
        await panel_day.sign_in(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id(agency),
            presence=Presence.PRESENT,
            accepted_statement=True,
        )
    return meeting


# -- Intake ----------------------------------------------------------------------------------


async def test_a_family_without_consent_cannot_be_listed_and_nothing_is_stored() -> None:
    w = world(BARNET, MONDAY)
    with pytest.raises(ConsentMissing, match="needs their consent"):
        await intake.refer_case(
            w.deps,
            panel_id=w.panel.id,
            actor=SUPPORT,
            referral=referral("EHM-1", "South", consent=False),
        )
    assert w.store.cases == {}


async def test_an_immediate_safeguarding_concern_is_sent_to_the_mash_not_queued() -> None:
    w = world(BARNET, MONDAY)
    urgent = dataclasses.replace(
        referral("EHM-1", "South", consent=False), immediate_safeguarding_concern=True
    )
    with pytest.raises(SafeguardingRedirect, match="referred immediately to the MASH"):
        await intake.refer_case(w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=urgent)
    assert w.store.cases == {}


async def test_leicester_sends_immediate_safeguarding_concerns_to_duty_and_advice() -> None:
    w = world(LEICESTER, MONDAY)
    urgent = dataclasses.replace(referral("LL-1", "Leicester"), immediate_safeguarding_concern=True)
    with pytest.raises(SafeguardingRedirect, match="Duty and Advice Service"):
        await intake.refer_case(w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=urgent)


async def test_a_member_cannot_list_a_family_and_a_stranger_is_not_on_the_roster() -> None:
    w = world(BARNET, MONDAY)
    with pytest.raises(NotPermitted, match="Only the chair or business support"):
        await intake.refer_case(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Health"),
            referral=referral("E-1", "South"),
        )
    with pytest.raises(NotPermitted, match="not on this panel's roster"):
        await intake.refer_case(
            w.deps, panel_id=w.panel.id, actor="intruder", referral=referral("E-1", "South")
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reference": "<at>x</at>"}, "case reference"),
        ({"locality": "North"}, "Choose a locality"),
        ({"children": ()}, "at least one child"),
        ({"presenting_needs": "x" * 2001}, "at most 2000"),
    ],
)
async def test_a_bad_referral_is_refused_with_a_plain_reason(
    change: dict[str, object], message: str
) -> None:
    w = world(BARNET, MONDAY)
    bad = dataclasses.replace(referral("EHM-1", "South"), **change)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=message):
        await intake.refer_case(w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=bad)


async def test_the_same_case_reference_cannot_be_open_twice() -> None:
    w = world(BARNET, MONDAY)
    await listed(w, "EHM-7")
    with pytest.raises(InvalidInput, match="already open"):
        await intake.refer_case(
            w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=referral("EHM-7", "South")
        )


# -- Cut-off and circulation -----------------------------------------------------------------


async def test_only_staff_can_freeze_now_and_freezing_twice_acts_once() -> None:
    w = world(BARNET, MONDAY)
    await listed(w)
    with pytest.raises(NotPermitted):
        await week.freeze_agenda(w.deps, panel_id=w.panel.id, actor=member_id("Health"))
    first = await week.freeze_agenda(w.deps, panel_id=w.panel.id, actor=CHAIR)
    await listed(w, "EHM-2")
    again = await week.freeze_agenda(w.deps, panel_id=w.panel.id, actor=CHAIR)
    assert first is not None
    assert again is not None
    assert again.agenda == first.agenda


async def test_circulation_goes_1_to_1_once_and_the_channel_gets_counts_only() -> None:
    w = world(BARNET, MONDAY)
    await listed(w, child=CANARY_CHILD)
    meeting = await circulate_next(w)
    members_on_teams = [
        m for m in w.panel.members if m.has_teams and w.panel.agency_of(m) and m.roles
    ]
    circulation = [m for m in w.notifier.direct_messages if m.kind is Kind.CIRCULATION]
    assert {m.person_id for m in circulation} == {m.person_id for m in members_on_teams}
    assert CANARY_CHILD in repr(circulation[0].body)
    [notice] = w.notifier.notices
    assert notice.counts == {"cases": 1, "new-referral": 1}
    assert CANARY_CHILD not in repr(notice)
    assert CANARY_DOB.isoformat() not in repr(notice)
    # Again: nothing more is sent.
    assert await week.circulate_agenda(w.deps, meeting_id=meeting.id) == 0
    assert len(w.notifier.direct_messages) == len(circulation) + 1  # + the no-Teams list
    [no_teams] = [m for m in w.notifier.to(SUPPORT) if m.kind is Kind.NO_TEAMS_LIST]
    assert "probation@example.org" in no_teams.text
    records = w.store.meetings[meeting.id].circulations
    assert {r.person_id for r in records} >= {"member-no-teams"}
    assert all(CaseField.CHILD_NAMES in r.fields for r in records)


async def test_circulation_shares_only_the_fields_the_policy_allows() -> None:
    policy = dataclasses.replace(
        BARNET, circulated_fields=frozenset({CaseField.REFERENCE, CaseField.LOCALITY})
    )
    w = world(policy, MONDAY)
    await listed(w, child=CANARY_CHILD)
    await circulate_next(w)
    [message, *_] = [m for m in w.notifier.direct_messages if m.kind is Kind.CIRCULATION]
    assert isinstance(message.body, Circulation)
    [case_view] = message.body.cases
    shared = {name for name, value in vars(case_view).items() if value is not None}
    assert shared == {"case_id", "reference", "locality"}
    assert CANARY_CHILD not in repr(message)


# -- Information checks ----------------------------------------------------------------------


async def test_an_answer_after_the_deadline_is_kept_but_marked_late() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await circulate_next(w)
    on_time = await info_checks.record_info_check(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        case_id=case_id,
        known=Known.KNOWN,
        information="Seen by HV.",
        could_lead=True,
    )
    deadline = Timeline(BARNET, w.panel.calendar).schedule_for(meeting.panel_date)
    w.clock.set(deadline.info_check_deadline_at + timedelta(minutes=1))
    late = await info_checks.record_info_check(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Police"),
        case_id=case_id,
        known=Known.NOT_KNOWN,
        information="",
        could_lead=False,
    )
    assert not on_time.late
    assert late.late
    grid = await info_checks.view_readiness(w.deps, meeting_id=meeting.id, actor=CHAIR)
    assert grid.cells[(case_id, "Health")] is Cell.KNOWN
    assert grid.cells[(case_id, "MASH")] is Cell.MISSING
    assert "MASH" in grid.agencies_missing()


async def test_an_answer_can_be_changed_and_the_grid_shows_the_latest() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await circulate_next(w)
    for known in (Known.CHECKING, Known.KNOWN):
        await info_checks.record_info_check(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Health"),
            case_id=case_id,
            known=known,
            information="",
            could_lead=False,
        )
    grid = await info_checks.view_readiness(w.deps, meeting_id=meeting.id, actor=CHAIR)
    assert grid.cells[(case_id, "Health")] is Cell.KNOWN


async def test_info_check_refusals() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await circulate_next(w)
    with pytest.raises(InvalidInput, match="2000 characters"):
        await info_checks.record_info_check(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Health"),
            case_id=case_id,
            known=Known.KNOWN,
            information="x" * 2001,
            could_lead=False,
        )
    with pytest.raises(NotFound, match="not on this panel's agenda"):
        await info_checks.record_info_check(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Health"),
            case_id="forged-case-id",
            known=Known.KNOWN,
            information="",
            could_lead=False,
        )
    with pytest.raises(NotPermitted):
        await info_checks.record_info_check(
            w.deps,
            meeting_id=meeting.id,
            actor=SUPPORT,
            case_id=case_id,
            known=Known.KNOWN,
            information="",
            could_lead=False,
        )
    with pytest.raises(InvalidInput, match="0 to 50"):
        await info_checks.record_capacity(
            w.deps, meeting_id=meeting.id, actor=member_id("Health"), allocations=51
        )
    with pytest.raises(NotPermitted):
        await info_checks.view_readiness(w.deps, meeting_id=meeting.id, actor=member_id("Health"))


async def test_reminders_go_to_agencies_with_gaps_and_the_chair_hears_who_is_missing() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await circulate_next(w)
    await info_checks.record_info_check(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        case_id=case_id,
        known=Known.KNOWN,
        information="",
        could_lead=False,
    )
    await info_checks.record_capacity(
        w.deps, meeting_id=meeting.id, actor=member_id("Health"), allocations=2
    )
    await week.remind_missing(w.deps, meeting_id=meeting.id, slot="friday")
    reminded = {
        m.person_id for m in w.notifier.direct_messages if m.kind is Kind.INFO_CHECK_REMINDER
    }
    assert member_id("Police") in reminded
    assert member_id("Health") not in reminded
    [chair_note] = [m for m in w.notifier.to(CHAIR) if m.kind is Kind.STILL_MISSING]
    assert "Police" in chair_note.text
    assert "Health," not in chair_note.text


async def test_a_reminder_says_what_is_missing_and_by_when() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await circulate_next(w)
    await info_checks.record_info_check(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        case_id=case_id,
        known=Known.NOT_KNOWN,
        information="",
        could_lead=False,
    )

    await week.remind_missing(w.deps, meeting_id=meeting.id, slot="friday")

    texts = {
        m.person_id: m.text
        for m in w.notifier.direct_messages
        if m.kind is Kind.INFO_CHECK_REMINDER
    }
    # Health answered its only case: only its capacity is missing, and it is told just that.
    assert texts[member_id("Health")] == (
        "Reminder: Health, for the panel on Tuesday 12 January 2027: please give your agency's "
        "capacity (how many new cases it can lead) by Tuesday 12 January 2027 at 09:00."
    )
    assert (
        "please answer 1 case still open and give your agency's capacity"
        in texts[member_id("Police")]
    )
    assert all(t.endswith(" by Tuesday 12 January 2027 at 09:00.") for t in texts.values())


# -- Panel day --------------------------------------------------------------------------------


async def test_sign_in_needs_the_confidentiality_statement_accepted() -> None:
    w = world(BARNET, MONDAY)
    await listed(w)
    meeting = await in_session(w, ())
    with pytest.raises(InvalidInput, match="confidentiality statement"):
        await panel_day.sign_in(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Health"),
            presence=Presence.PRESENT,
            accepted_statement=False,
        )
    status = await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Health"),
        presence=Presence.APOLOGIES,
        accepted_statement=False,
    )
    assert status.present == 0


async def test_a_case_cannot_be_withdrawn_while_its_vote_is_open() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await in_session(w)
    vote = await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)

    with pytest.raises(VoteRejected, match="still open"):
        await intake.withdraw_case(
            w.deps, panel_id=w.panel.id, actor=SUPPORT, case_id=case_id, reason="Consent withdrawn."
        )

    await votes.cast_vote(
        w.deps, meeting_id=meeting.id, actor=member_id("Health"), round_id=vote.id, choice="Health"
    )
    await votes.close_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, round_id=vote.id)
    await intake.withdraw_case(
        w.deps, panel_id=w.panel.id, actor=SUPPORT, case_id=case_id, reason="Consent withdrawn."
    )
    assert w.store.meetings[meeting.id].items == ()


async def test_an_item_added_on_the_day_after_a_withdrawal_takes_the_next_free_number() -> None:
    w = world(BARNET, MONDAY)
    await listed(w, "EHM-1")
    await listed(w, "EHM-2", child="Child B")
    meeting = await in_session(w)
    item_one = w.store.meetings[meeting.id].items[0]
    await intake.withdraw_case(
        w.deps, panel_id=w.panel.id, actor=SUPPORT, case_id=item_one.case_id, reason="No consent."
    )
    review = await intake.refer_case(
        w.deps,
        panel_id=w.panel.id,
        actor=SUPPORT,
        referral=referral("EHM-3", "South", Section.REVIEW, child="Child C"),
    )
    await intake.screen_case(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id=review, decision=Event.LIST
    )

    number = await panel_day.add_to_agenda(
        w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=review
    )

    assert number == 3
    assert [i.number for i in w.store.meetings[meeting.id].items] == [2, 3]


async def test_no_vote_opens_while_the_panel_is_not_quorate() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await in_session(w, ("Health", "Housing"))
    with pytest.raises(NotQuorate):
        await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)


async def test_a_deputy_votes_for_their_agency_and_a_second_click_changes_nothing() -> None:
    w = world(CAMDEN, london(2027, 2, 1, 9, 0))
    case_id = await intake.refer_case(
        w.deps,
        panel_id=w.panel.id,
        actor=SUPPORT,
        referral=referral("MOS-9", "Camden", consent=False),
    )
    await intake.screen_case(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id=case_id, decision=Event.LIST
    )
    meeting = await circulate_next(w)
    w.clock.set(Timeline(CAMDEN, w.panel.calendar).schedule_for(meeting.panel_date).starts_at)
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    principal = "Early Help Community & Practice"
    deputy = "deputy-" + member_id(principal)
    await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=deputy,
        presence=Presence.DEPUTY,
        accepted_statement=True,
    )
    for agency in ("Family Services", "Transformation Team"):
        await panel_day.sign_in(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id(agency),
            presence=Presence.PRESENT,
            accepted_statement=True,
        )
    vote = await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    cast, _ = await votes.cast_vote(
        w.deps, meeting_id=meeting.id, actor=deputy, round_id=vote.id, choice="Family Services"
    )
    assert cast.agency == principal
    again, _ = await votes.cast_vote(
        w.deps, meeting_id=meeting.id, actor=deputy, round_id=vote.id, choice="Family Services"
    )
    assert again.duplicate
    stored = w.store.meetings[meeting.id].rounds[vote.id]
    assert stored.votes == {principal: "Family Services"}


async def test_a_member_who_knows_the_family_is_excluded_from_that_vote() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await in_session(w, ("Health", "Police", "MASH", "Education"))
    await panel_day.declare_conflict(
        w.deps, meeting_id=meeting.id, actor=member_id("Police"), case_id=case_id
    )
    vote = await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    assert "Police" not in vote.eligible
    with pytest.raises(VoteRejected, match="declared a conflict"):
        await votes.cast_vote(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Police"),
            round_id=vote.id,
            choice="Health",
        )


async def test_only_the_chair_closes_a_vote_and_nobody_votes_after_it_closes() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await in_session(w)
    vote = await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    await votes.cast_vote(
        w.deps, meeting_id=meeting.id, actor=member_id("Health"), round_id=vote.id, choice="Health"
    )
    with pytest.raises(NotPermitted):
        await votes.close_vote(
            w.deps, meeting_id=meeting.id, actor=member_id("Health"), round_id=vote.id
        )
    result, closed_now = await votes.close_vote(
        w.deps, meeting_id=meeting.id, actor=CHAIR, round_id=vote.id
    )
    assert closed_now
    assert result.state is RoundState.DECIDED
    assert result.winner == "Health"
    # Closing it again (from a console that had not caught up) shows the result, not an error.
    again, closed_now = await votes.close_vote(
        w.deps, meeting_id=meeting.id, actor=CHAIR, round_id=vote.id
    )
    assert (again, closed_now) == (result, False)
    with pytest.raises(VoteRejected, match="Voting is closed"):
        await votes.cast_vote(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Police"),
            round_id=vote.id,
            choice="Health",
        )


async def test_a_tie_goes_to_the_chairs_casting_vote_in_barnet() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await circulate_next(w)
    for agency in ("Health", "Police"):
        await info_checks.record_info_check(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id(agency),
            case_id=case_id,
            known=Known.KNOWN,
            information="",
            could_lead=True,
        )
    w.clock.set(Timeline(BARNET, w.panel.calendar).schedule_for(meeting.panel_date).starts_at)
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    for agency in ("Health", "Police", "MASH", "Education"):
        await panel_day.sign_in(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id(agency),
            presence=Presence.PRESENT,
            accepted_statement=True,
        )
    vote = await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    ballots = {"Health": "Health", "MASH": "Health", "Police": "Police", "Education": "Police"}
    for agency, choice in ballots.items():
        _, result = await votes.cast_vote(
            w.deps, meeting_id=meeting.id, actor=member_id(agency), round_id=vote.id, choice=choice
        )
    assert result is not None
    assert result.state is RoundState.AWAITING_CASTING_VOTE
    with pytest.raises(NotPermitted):
        await votes.casting_vote(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Health"),
            round_id=vote.id,
            choice="Health",
        )
    decided = await votes.casting_vote(
        w.deps, meeting_id=meeting.id, actor=CHAIR, round_id=vote.id, choice="Police"
    )
    assert decided.winner == "Police"
    assert decided.by_casting_vote
    with pytest.raises(InvalidInput, match="the one the panel voted for"):
        await outcomes.record_outcome(
            w.deps,
            meeting_id=meeting.id,
            actor=CHAIR,
            decision=Decision(
                case_id,
                "eha",
                date.min,
                lead_agency="Health",
                taf_agencies=("Police",),
                agreed=True,
            ),
        )


async def test_a_vote_id_from_elsewhere_is_refused() -> None:
    w = world(BARNET, MONDAY)
    await listed(w)
    meeting = await in_session(w)
    with pytest.raises(VoteRejected, match="does not belong"):
        await votes.cast_vote(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id("Health"),
            round_id="forged",
            choice="Health",
        )


async def test_a_refused_outcome_changes_nothing() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await in_session(w)
    with pytest.raises(InvalidInput, match="not an agency of this panel"):
        await outcomes.record_outcome(
            w.deps,
            meeting_id=meeting.id,
            actor=CHAIR,
            decision=Decision(
                case_id, "eha", date.min, lead_agency="Acme", taf_agencies=("Police",), agreed=True
            ),
        )
    with pytest.raises(InvalidInput, match="needs a lead agency"):
        await outcomes.record_outcome(
            w.deps,
            meeting_id=meeting.id,
            actor=CHAIR,
            decision=Decision(case_id, "eha", date.min, agreed=True),
        )
    assert w.store.cases[case_id].status is Status.CIRCULATED
    assert w.store.meetings[meeting.id].decisions == {}


async def test_nothing_is_decided_on_a_closed_panel() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await in_session(w)
    await outcomes.close_panel(w.deps, meeting_id=meeting.id, actor=CHAIR)
    with pytest.raises(DeadlinePassed, match="closed"):
        await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    assert w.store.cases[case_id].status is Status.ROLLED_OVER


# -- After the panel -------------------------------------------------------------------------


async def allocated(w: World) -> tuple[str, Meeting]:
    case_id = await listed(w)
    meeting = await in_session(w)
    await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            case_id,
            "eha",
            date.min,
            lead_agency="Health",
            taf_agencies=("Police",),
            agreed=True,
        ),
    )
    await outcomes.close_panel(w.deps, meeting_id=meeting.id, actor=CHAIR)
    return case_id, meeting


async def test_finishing_the_assessment_early_brings_the_first_taf_forward() -> None:
    w = world(BARNET, MONDAY)
    case_id, _ = await allocated(w)
    w.clock.set(london(2027, 2, 5, 10, 0))
    milestones = await follow_up.mark_milestone(
        w.deps,
        panel_id=w.panel.id,
        actor=member_id("Health"),
        case_id=case_id,
        code="assessment",
        done_on=date(2027, 2, 5),
    )
    due = {m.code: m.due for m in milestones}
    assert due["first-taf"] == date(2027, 2, 19)  # 10 working days after 5 February
    assert due["taf-review"] == date(2027, 5, 14)  # 12 weeks after that


async def test_only_the_lead_agency_marks_milestones_and_not_in_the_future() -> None:
    w = world(BARNET, MONDAY)
    case_id, _ = await allocated(w)
    with pytest.raises(NotPermitted, match="lead agency"):
        await follow_up.mark_milestone(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Police"),
            case_id=case_id,
            code="contact",
            done_on=date(2027, 1, 12),
        )
    with pytest.raises(InvalidInput, match="future"):
        await follow_up.mark_milestone(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Health"),
            case_id=case_id,
            code="contact",
            done_on=date(2030, 1, 1),
        )
    milestones = await follow_up.mark_milestone(
        w.deps,
        panel_id=w.panel.id,
        actor=member_id("Health"),
        case_id=case_id,
        code="home-visit",
        not_possible="Family moved",
    )
    assert next(m for m in milestones if m.code == "home-visit").not_possible == "Family moved"


async def test_a_stuck_case_goes_back_on_the_next_agenda_as_a_stuck_case() -> None:
    w = world(BARNET, MONDAY)
    case_id, _ = await allocated(w)
    await follow_up.mark_stuck(
        w.deps,
        panel_id=w.panel.id,
        actor=member_id("Health"),
        case_id=case_id,
        reason="No engagement",
    )
    meeting = await week.freeze_agenda(w.deps, panel_id=w.panel.id, actor=CHAIR)
    assert meeting is not None
    assert meeting.agenda is not None
    [item] = meeting.agenda.items
    assert item.case_id == case_id
    assert item.section is Section.STUCK


async def test_a_console_is_kept_current_only_for_staff_and_not_for_the_one_who_pressed() -> None:
    w = world(BARNET, MONDAY)
    case_id = await listed(w)
    meeting = await in_session(w, ("Health", "Police"))
    await panel_day.view_console(w.deps, meeting_id=meeting.id, actor=CHAIR, shown_at="m-chair")
    # A console remembered for someone who is not staff (a roster changed while it sat).
    w.store.meetings[meeting.id].consoles[member_id("Health")] = "m-health"

    await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("MASH"),
        presence=Presence.PRESENT,
        accepted_statement=True,
    )
    await panel_day.open_case(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)

    updates = [
        (m.person_id, body.message_id)
        for m in w.notifier.direct_messages
        if isinstance(body := m.body, ConsoleUpdate)
    ]
    # The sign-in updates the chair's console; opening the case does not (the chair pressed
    # it and sees the answer); the member's remembered console is never sent.
    assert updates == [(CHAIR, "m-chair")]


async def test_an_escalation_resolved_after_its_panel_is_minuted_by_the_next_one_once() -> None:
    """Issue 15: an escalation «is in the minutes»: the sitting that escalated it minutes it
    open; the next sitting minutes its resolution; the one after does not repeat it."""
    w = world(BARNET, MONDAY)
    case_id = await listed(w, "EHM-ESC")
    meeting = await in_session(w)
    await escalations.record_escalation(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        case_id=case_id,
        owner=CHAIR,
        interim_service="Health visitor continues.",
    )
    first = await outcomes.close_panel(w.deps, meeting_id=meeting.id, actor=CHAIR)
    assert [i.escalation for i in first.items] == [
        f"Head of Service on {long_date(w.clock.now().date())}. Interim service: Health visitor "
        "continues."
    ]
    still = await allocated(w)  # the next sitting, with the escalation still open
    second = w.store.meetings[still[1].id].minutes
    assert second is not None
    assert [e.split(":")[0] for e in second.escalations] == ["EHM-ESC (still open)"]

    await escalations.resolve_escalation(
        w.deps,
        panel_id=w.panel.id,
        actor=CHAIR,
        decision=Decision(case_id, "universal-plus", date.min),
        resolution="Head of Service: Universal Plus.",
    )
    _, third_meeting = await allocated_again(w)
    third = w.store.meetings[third_meeting.id].minutes
    assert third is not None
    [resolved] = third.escalations
    assert resolved.startswith("EHM-ESC (resolved since the last panel): Head of Service on")
    assert resolved.endswith("Head of Service: Universal Plus.")
    _, fourth_meeting = await allocated_again(w, "EHM-4")
    fourth = w.store.meetings[fourth_meeting.id].minutes
    assert fourth is not None
    assert fourth.escalations == ()


async def allocated_again(w: World, ref: str = "EHM-3") -> tuple[str, Meeting]:
    """Another sitting that decides one new case, as `allocated` does."""
    case_id = await listed(w, ref)
    meeting = await in_session(w)
    await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            case_id, "eha", date.min, lead_agency="Health", taf_agencies=("Police",), agreed=True
        ),
    )
    await outcomes.close_panel(w.deps, meeting_id=meeting.id, actor=CHAIR)
    return case_id, meeting


async def test_a_stuck_case_given_to_another_agency_leaves_its_old_lead_practitioner() -> None:
    """Issue 16: back at panel and allocated to another agency, the case is that agency's to
    name a practitioner for; kept by the same agency, its practitioner still leads it."""
    w = world(BARNET, MONDAY)
    case_id, _ = await allocated(w)
    await leads.name_lead_practitioner(
        w.deps,
        panel_id=w.panel.id,
        actor=CHAIR,
        case_id=case_id,
        practitioner=member_id("Health"),
    )
    await follow_up.mark_stuck(
        w.deps, panel_id=w.panel.id, actor=member_id("Health"), case_id=case_id, reason="Stuck"
    )
    meeting = await in_session(w)
    await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            case_id, "eha", date.min, lead_agency="Police", taf_agencies=("Health",), agreed=True
        ),
    )

    assert w.store.cases[case_id].lead is None
    assert w.store.cases[case_id].lead_agency(BARNET) == "Police"
