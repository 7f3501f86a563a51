"""One whole weekly cycle per preset, on fakes, checked against each seed's own numbers."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from panel.errors import VoteRejected
from panel.infochecks import Known
from panel.lifecycle import Event, Status
from panel.meeting import Meeting
from panel.messages import Kind
from panel.outcomes import Action, Decision
from panel.policy import Section
from panel.presets import BARNET, CAMDEN, LEICESTER, ST_HELENS
from panel.quorum import Presence
from panel.timeline import Timeline
from panel.usecases import follow_up, info_checks, intake, outcomes, panel_day, votes, week
from panel.votes import RoundState
from tests.panel.world import (
    CANARY_CHILD,
    CHAIR,
    SUPPORT,
    World,
    circulate_next,
    london,
    member_id,
    referral,
    world,
)


async def list_cases(w: World, refs: list[tuple[str, str, Section]]) -> list[str]:
    ids = []
    for ref, locality, route in refs:
        case_id = await intake.refer_case(
            w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=referral(ref, locality, route)
        )
        await intake.screen_case(
            w.deps, panel_id=w.panel.id, actor=CHAIR, case_id=case_id, decision=Event.LIST
        )
        ids.append(case_id)
        w.clock.advance(timedelta(minutes=1))
    return ids


async def sign_in(w: World, meeting: Meeting, agencies: list[str]) -> None:
    for agency in agencies:
        await panel_day.sign_in(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id(agency),
            presence=Presence.PRESENT,
            accepted_statement=True,
        )


async def test_barnet_week_five_per_locality_four_working_days_and_its_timescales() -> None:
    w = world(BARNET, london(2027, 1, 4, 10, 0))
    ids = await list_cases(
        w,
        [(f"EHM-{n}", "South", Section.NEW_REFERRAL) for n in range(6)]
        + [("EHM-W1", "West", Section.STEP_DOWN)],
    )
    # Scheduler before the cut-off does nothing; at Wednesday midday it freezes once.
    w.clock.set(london(2027, 1, 6, 11, 59))
    assert await week.freeze_agenda(w.deps, panel_id=w.panel.id) is None
    meeting = await circulate_next(w)
    assert meeting.agenda is not None
    assert len(meeting.agenda.items) == 6  # 5 South + 1 West
    assert w.store.cases[ids[5]].status is Status.ROLLED_OVER
    told = [m for m in w.notifier.to(SUPPORT) if m.kind is Kind.REFERRAL_ROLLED_OVER]
    assert len(told) == 1
    assert "5 cases" in told[0].text
    # Circulated Wednesday 14:00; members have 4 working days before Tuesday's panel.
    schedule = Timeline(BARNET, w.panel.calendar).schedule_for(meeting.panel_date)
    assert schedule.circulation_at == london(2027, 1, 6, 14, 0)
    assert w.panel.calendar.working_days_between(date(2027, 1, 6), meeting.panel_date) == 4
    assert schedule.breaks_at[0][0].time() == time(11, 0)
    assert schedule.breaks_at[0][1] - schedule.breaks_at[0][0] == timedelta(minutes=15)

    first = meeting.agenda.items[0].case_id
    for agency in ("Health", "Police", "MASH"):
        await info_checks.record_info_check(
            w.deps,
            meeting_id=meeting.id,
            actor=member_id(agency),
            case_id=first,
            known=Known.KNOWN,
            information="Open to us.",
            could_lead=agency == "Health",
        )
    w.clock.set(schedule.reminders_at[0])
    reminded = await week.remind_missing(w.deps, meeting_id=meeting.id, slot="r0")
    assert reminded > 0
    assert await week.remind_missing(w.deps, meeting_id=meeting.id, slot="r0") == 0

    w.clock.set(schedule.starts_at)
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    await sign_in(w, meeting, ["Health", "Police", "MASH"])
    # Only Health offered to lead: nothing to vote on, so the outcome is recorded as agreed.
    with pytest.raises(VoteRejected, match="Only Health can be chosen"):
        await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=first)
    milestones = await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            first,
            "eha",
            meeting.panel_date,
            lead_agency="Health",
            taf_agencies=("Police",),
            actions=(Action("Business support", "Record on EHM", date(2027, 1, 13)),),
            agreed=True,
        ),
    )
    due = {m.code: m.due for m in milestones}
    assert due == {
        "contact": date(2027, 1, 14),  # 2 working days
        "home-visit": date(2027, 1, 21),  # 7 working days
        "assessment": date(2027, 2, 23),  # 6 weeks
        "first-taf": date(2027, 3, 9),  # 10 working days after the assessment
        "taf-review": date(2027, 6, 1),  # 12 weeks after the first TAF
        "voice-of-the-child": date(2027, 2, 9),  # every 4 weeks (001 §7.2)
    }
    allocation = [m for m in w.notifier.to(member_id("Health")) if m.kind is Kind.ALLOCATION]
    assert len(allocation) == 1
    assert "Thursday 14 January 2027" in allocation[0].text

    minutes = await outcomes.close_panel(w.deps, meeting_id=meeting.id, actor=CHAIR)
    assert minutes.items[0].tally == "Agreed without a vote."
    assert len(minutes.not_reached) == 5
    assert w.store.cases[first].status is Status.TRACKING
    assert all(CANARY_CHILD not in n.text for n in w.notifier.notices)


async def test_camden_quorum_is_3_of_5_key_members_and_a_tie_escalates_to_stage_3() -> None:
    w = world(CAMDEN, london(2027, 2, 1, 9, 0))
    # No consent needed for a new referral in Camden.
    new = referral("MOS-1", "Camden", Section.NEW_REFERRAL, consent=False)
    case_id = await intake.refer_case(w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=new)
    await intake.screen_case(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id=case_id, decision=Event.LIST
    )
    meeting = await circulate_next(w)
    schedule = Timeline(CAMDEN, w.panel.calendar).schedule_for(meeting.panel_date)
    assert schedule.circulation_at.time() == time(13, 30)
    assert (schedule.starts_at.date() - schedule.circulation_at.date()).days == 1
    assert schedule.ends_at - schedule.starts_at == timedelta(hours=2)
    w.clock.set(schedule.starts_at)
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    status = await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Family Services"),
        presence=Presence.PRESENT,
        accepted_statement=True,
    )
    await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Housing"),
        presence=Presence.PRESENT,
        accepted_statement=True,
    )
    status = await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Transformation Team"),
        presence=Presence.PRESENT,
        accepted_statement=True,
    )
    assert not status.quorate
    assert status.line() == "Not quorate: 2 key agencies present (3 needed)."
    status = await panel_day.sign_in(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Integrated Youth Support Service"),
        presence=Presence.PRESENT,
        accepted_statement=True,
    )
    assert status.quorate
    vote = await votes.open_vote(w.deps, meeting_id=meeting.id, actor=CHAIR, case_id=case_id)
    assert vote.candidates == (
        "Family Services",
        "Housing",
        "Integrated Youth Support Service",
        "Transformation Team",
    )
    ballots = {
        "Family Services": "Family Services",
        "Housing": "Family Services",
        "Transformation Team": "Integrated Youth Support Service",
        "Integrated Youth Support Service": "Integrated Youth Support Service",
    }
    for agency, choice in ballots.items():
        _, result = await votes.cast_vote(
            w.deps, meeting_id=meeting.id, actor=member_id(agency), round_id=vote.id, choice=choice
        )
    assert result is not None
    assert result.state is RoundState.ESCALATED
    assert "Stage 3 of the CSCB escalation policy" in result.summary()
    # The panel still allocates after escalation is recorded; contact within 5 working days.
    milestones = await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            case_id,
            "allocate",
            meeting.panel_date,
            lead_agency="Family Services",
            # Camden answers its checklist for every case (002 «Checklist for decision making»).
            checklist=tuple((line, "Yes") for line in CAMDEN.checklist),
            agreed=True,
        ),
    )
    assert [m.code for m in milestones] == ["contact"]
    assert w.panel.calendar.working_days_between(meeting.panel_date, milestones[0].due) == 5


async def test_st_helens_family_action_meeting_plan_and_three_month_panel_review() -> None:
    w = world(ST_HELENS, london(2027, 2, 24, 9, 0))
    [case_id] = await list_cases(w, [("EHM-SH1", "St Helens", Section.NEW_REFERRAL)])
    meeting = await circulate_next(w)
    await info_checks.record_info_check(
        w.deps,
        meeting_id=meeting.id,
        actor=member_id("Home Start"),
        case_id=case_id,
        known=Known.NOT_KNOWN,
        information="",
        could_lead=True,
    )
    schedule = Timeline(ST_HELENS, w.panel.calendar).schedule_for(meeting.panel_date)
    w.clock.set(schedule.starts_at)
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    await sign_in(w, meeting, ["Home Start", "Health", "Police"])
    milestones = await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            case_id, "home-start", meeting.panel_date, lead_agency="Home Start", agreed=True
        ),
    )
    due = {m.code: m.due for m in milestones}
    calendar = w.panel.calendar
    assert calendar.working_days_between(meeting.panel_date, due["family-action-meeting"]) == 15
    assert calendar.working_days_between(due["family-action-meeting"], due["plan-circulated"]) == 10
    assert meeting.panel_date == date(2027, 3, 3)
    assert due["panel-review"] == date(2027, 6, 3)  # three months
    await outcomes.close_panel(w.deps, meeting_id=meeting.id, actor=CHAIR)
    # Nearly three months on, the review brings the case back to the next panel.
    w.clock.set(london(2027, 6, 1, 9, 0))
    assert await follow_up.bring_back_reviews(w.deps, w.panel.id) == 1
    assert w.store.cases[case_id].status is Status.DUE_REVIEW
    next_meeting = await circulate_next(w)
    assert next_meeting.agenda is not None
    assert next_meeting.agenda.items[0].section is Section.REVIEW


async def test_leicester_meets_monthly_has_its_five_outcomes_and_a_first_taf_in_3_weeks() -> None:
    assert [o.label for o in LEICESTER.outcomes] == [
        "Resources agreed",
        "Case stepped up to Child in Need",
        "Case stepped down to Early Help/Child In Need",
        "Progress to Child Protection",
        "Refer to LARP (Leicester Access to Resources Panel)",
    ]
    w = world(LEICESTER, london(2027, 4, 20, 9, 0))
    [stuck, step_down] = await list_cases(
        w,
        [("LL-1", "Leicester", Section.STUCK), ("LL-2", "Leicester", Section.STEP_DOWN)],
    )
    meeting = await circulate_next(w)
    assert meeting.panel_date == date(2027, 5, 13)  # the second Thursday of May
    assert meeting.agenda is not None
    assert meeting.agenda.items[0].case_id == stuck
    w.clock.set(Timeline(LEICESTER, w.panel.calendar).schedule_for(meeting.panel_date).starts_at)
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR, early=True)
    await sign_in(w, meeting, ["Social Care", "Health", "Schools"])
    milestones = await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(
            step_down,
            "step-down",
            meeting.panel_date,
            lead_agency="Early Help Services",
            agreed=True,
        ),
    )
    due = {m.code: m.due for m in milestones}
    assert due["first-taf"] == date(2027, 6, 3)  # 3 weeks after 13 May
    await outcomes.record_outcome(
        w.deps,
        meeting_id=meeting.id,
        actor=CHAIR,
        decision=Decision(stuck, "child-protection", meeting.panel_date, agreed=True),
    )
    assert w.store.cases[stuck].status is Status.CLOSED
    minutes = await outcomes.close_panel(w.deps, meeting_id=meeting.id, actor=CHAIR)
    assert [i.outcome for i in minutes.items] == [
        "Progress to Child Protection",
        "Case stepped down to Early Help/Child In Need",
    ]
    # The following sitting is a month on.
    following = Timeline(LEICESTER, w.panel.calendar).following(
        Timeline(LEICESTER, w.panel.calendar).schedule_for(meeting.panel_date)
    )
    assert following.panel_date == date(2027, 6, 10)
