"""After the panel: nudges before and on each milestone's day, overdue ones to the manager and
the chair, reviews back to panel, and the monthly drift report (Barnet §22)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from panel.cases import Case
from panel.errors import InvalidInput, NotPermitted
from panel.lifecycle import Status
from panel.messages import Kind, MilestoneNudge
from panel.outcomes import Decision, plan_milestones
from panel.policy import Policy, Section
from panel.presets import BARNET, ST_HELENS
from panel.roster import Member, Role
from panel.usecases import follow_up
from panel.usecases.follow_up import FollowUpStep, close_case, drift_report, run_follow_up
from tests.panel.world import CHAIR, World, london, member_id, referral, world

PRACTITIONER, MANAGER = "practitioner-1", "manager-1"


def tracked_world(
    policy: Policy, decided: date, outcome: str, lead: str = "Health", *, led: bool = True
) -> World:
    """A world with one case allocated to `lead` on `decided`, and a Health practitioner
    whose manager hears about overdue milestones."""
    w = world(policy, london(decided.year, decided.month, decided.day, 12))
    practitioner = Member(
        PRACTITIONER,
        "Health practitioner",
        frozenset({Role.PRACTITIONER}),
        agency=lead,
        manager_id=MANAGER,
    )
    manager = Member(MANAGER, "Health manager", frozenset({Role.MANAGER}), agency=lead)
    w.panel = replace(w.panel, members=(*w.panel.members, practitioner, manager))
    decision = Decision("case-1", outcome, decided, lead_agency=lead if led else None)
    case = Case.from_referral("case-1", w.panel.id, referral("EHM-9", "South"), w.clock.now(), "")
    case.status, case.decision = Status.TRACKING, decision
    case.milestones = plan_milestones(policy, w.panel.calendar, decision)
    w.store.cases[case.id] = case
    return w


def nudges(w: World, person: str) -> list[str]:
    return [m.text for m in w.notifier.to(person) if m.kind is Kind.MILESTONE_DUE]


async def test_the_lead_is_nudged_two_working_days_before_and_on_the_day_once_each() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")  # contact due Wednesday 6 January
    w.clock.set(london(2027, 1, 4, 8))

    await run_follow_up(w.deps, w.panel.id)
    await run_follow_up(w.deps, w.panel.id)
    w.clock.set(london(2027, 1, 6, 8))
    step = await run_follow_up(w.deps, w.panel.id)

    texts = nudges(w, PRACTITIONER)
    assert (
        texts.count(
            "Case EHM-9: Contact the family is due by Wednesday 6 January 2027 (2 working days)."
        )
        == 1
    )
    assert texts.count("Case EHM-9: Contact the family is due today.") == 1
    assert nudges(w, member_id("Health"))  # the agency's panel member too
    assert step.due_today >= 1


async def test_universal_plus_has_no_lead_so_early_help_practitioners_are_nudged() -> None:
    """001 §21.2: «There is no need for a Lead Professional»; §5.5: Universal Plus work «will
    be allocated by Early Help managers directly to Early Help Practitioners»."""
    w = tracked_world(BARNET, date(2027, 1, 4), "universal-plus", "Early Help", led=False)
    w.clock.set(london(2027, 2, 15, 8))  # its 6-week review is due Monday 15 February

    await run_follow_up(w.deps, w.panel.id)

    assert nudges(w, PRACTITIONER) == [
        "Case EHM-9: Review the Universal Plus work with the family (6 weeks; up to 12 if "
        "extended in supervision) is due today."
    ]
    assert nudges(w, member_id("Early Help"))


async def test_universal_plus_is_extended_once_to_12_weeks_when_supervision_agrees() -> None:
    """001 §21.4: «up to 6 weeks, with a possible extension if agreed in supervision up to 12
    weeks maximum»."""
    w = tracked_world(BARNET, date(2027, 1, 4), "universal-plus", "Early Help", led=False)
    w.clock.set(london(2027, 2, 15, 8))
    await run_follow_up(w.deps, w.panel.id)
    [nudge] = [m for m in w.notifier.to(PRACTITIONER) if m.kind is Kind.MILESTONE_DUE]
    assert isinstance(nudge.body, MilestoneNudge)
    assert nudge.body.extend_to == "12 weeks"

    with pytest.raises(InvalidInput, match="Say who agreed the extension"):
        await follow_up.extend_milestone(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            code="universal-plus-review",
            reason=" ",
        )
    plan = await follow_up.extend_milestone(
        w.deps,
        panel_id=w.panel.id,
        actor=PRACTITIONER,
        case_id="case-1",
        code="universal-plus-review",
        reason="Agreed with Sam (team manager) in supervision: group starts late.",
    )
    # 12 weeks from Monday 4 January is Easter Monday: due the next working day.
    assert [m.due for m in plan] == [date(2027, 3, 30)]
    with pytest.raises(InvalidInput, match="extended already, to its most"):
        await follow_up.extend_milestone(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            code="universal-plus-review",
            reason="Again.",
        )
    # The next nudge offers no second extension.
    w.clock.set(london(2027, 3, 30, 8))
    await run_follow_up(w.deps, w.panel.id)
    latest = [m for m in w.notifier.to(PRACTITIONER) if m.kind is Kind.MILESTONE_DUE][-1]
    assert isinstance(latest.body, MilestoneNudge)
    assert latest.body.due == date(2027, 3, 30)
    assert latest.body.extend_to == ""


async def test_an_assessment_milestone_cannot_be_extended() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    with pytest.raises(InvalidInput, match="has no extension in this panel's protocol"):
        await follow_up.extend_milestone(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            code="assessment",
            reason="Busy.",
        )


async def test_a_managers_overdue_card_offers_only_what_the_manager_may_do() -> None:
    """Issue 16: a manager with the role acts on the card and is refused nothing it offers; one
    known only as a practitioner's `manager` is told who is to act, with no buttons."""
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    w.clock.set(london(2027, 1, 7, 8))  # contact was due on the 6th
    await run_follow_up(w.deps, w.panel.id)
    [card] = [m.body for m in w.notifier.to(MANAGER) if m.kind is Kind.MILESTONE_DUE]
    assert isinstance(card, MilestoneNudge)
    assert card.acts
    assert card.agency == "Health"
    await follow_up.mark_milestone(
        w.deps,
        panel_id=w.panel.id,
        actor=MANAGER,
        case_id="case-1",
        code=card.milestone,
        done_on=date(2027, 1, 7),
    )

    off_roster = tracked_world(BARNET, date(2027, 1, 4), "eha")
    off_roster.panel = replace(
        off_roster.panel,
        members=tuple(m for m in off_roster.panel.members if m.person_id != MANAGER),
    )
    off_roster.clock.set(london(2027, 1, 7, 8))
    await run_follow_up(off_roster.deps, off_roster.panel.id)
    [told] = [m.body for m in off_roster.notifier.to(MANAGER) if m.kind is Kind.MILESTONE_DUE]
    assert isinstance(told, MilestoneNudge)
    assert not told.acts


async def test_an_overdue_milestone_goes_to_the_manager_and_the_chair_not_the_lead() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    w.clock.set(london(2027, 1, 7, 8))  # contact was due on the 6th

    step = await run_follow_up(w.deps, w.panel.id)

    assert step.overdue == 1
    assert any(t.startswith("Overdue: case EHM-9, Health") for t in nudges(w, MANAGER))
    assert any(t.startswith("Overdue: case EHM-9") for t in nudges(w, CHAIR))
    assert not any(t.startswith("Overdue") for t in nudges(w, PRACTITIONER))


async def test_a_milestone_marked_done_is_not_chased() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    w.clock.set(london(2027, 1, 5, 9))
    await follow_up.mark_milestone(
        w.deps,
        panel_id=w.panel.id,
        actor=PRACTITIONER,
        case_id="case-1",
        code="contact",
        done_on=date(2027, 1, 5),
    )
    w.clock.set(london(2027, 1, 7, 8))

    await run_follow_up(w.deps, w.panel.id)

    assert not any("Make contact" in t for t in nudges(w, MANAGER))


async def test_st_helens_panel_review_puts_the_case_back_on_the_agenda_after_3_months() -> None:
    w = tracked_world(ST_HELENS, date(2027, 1, 5), "patch-agreed", lead="Health")
    w.clock.set(london(2027, 3, 30, 8))

    step = await run_follow_up(w.deps, w.panel.id)

    assert step.reviews_back == 1
    assert w.store.cases["case-1"].status is Status.DUE_REVIEW
    assert w.store.cases["case-1"].section.value == "review"


async def test_a_stuck_case_goes_back_to_panel_and_is_no_longer_chased() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    await follow_up.mark_stuck(
        w.deps,
        panel_id=w.panel.id,
        actor=PRACTITIONER,
        case_id="case-1",
        reason="Family not engaging",
    )
    w.clock.set(london(2027, 1, 7, 8))

    step = await run_follow_up(w.deps, w.panel.id)

    assert w.store.cases["case-1"].waiting_for_agenda
    assert step.overdue == 0


async def test_the_drift_report_counts_not_started_reviews_overdue_and_open_over_a_year() -> None:
    w = tracked_world(BARNET, date(2026, 1, 5), "eha")
    w.clock.set(london(2027, 1, 6, 9))

    report = await drift_report(w.deps, w.panel.id)

    assert [line.reference for line in report.not_started] == ["EHM-9"]
    assert [line.reference for line in report.open_too_long] == ["EHM-9"]
    sent = [m for m in w.notifier.to(CHAIR) if m.kind is Kind.DRIFT_REPORT]
    assert len(sent) == 1
    assert MANAGER in {
        m.person_id for m in w.notifier.direct_messages if m.kind is Kind.DRIFT_REPORT
    }
    assert w.store.cases["case-1"].status is Status.TRACKING  # reading changes nothing


async def test_the_drift_report_warns_of_a_case_approaching_a_year_open() -> None:
    """Barnet 001 §22.2: «where the EHA is approaching being open for more than a year»: open a
    year before next month's report, it is named now."""
    w = tracked_world(BARNET, date(2026, 1, 20), "eha")
    w.clock.set(london(2026, 12, 31, 9))

    report = await drift_report(w.deps, w.panel.id)

    assert [line.reference for line in report.approaching] == ["EHM-9"]
    assert report.open_too_long == ()
    assert report.approaching[0].why == "open since Tuesday 20 January 2026"


async def test_easter_2027_no_nudges_over_the_holiday_and_due_dates_skip_it() -> None:
    # Decided Wednesday 24 March 2027: "2 working days" skips Good Friday (26th) and Easter
    # Monday (29th), so contact is due Tuesday 30th. Sunday 28th is also the clock change.
    w = tracked_world(BARNET, date(2027, 3, 24), "eha")
    assert w.store.cases["case-1"].milestones[0].due == date(2027, 3, 30)

    steps = []
    for day in (26, 28, 29, 30):
        w.clock.set(london(2027, 3, day, 7, 30))
        steps.append(await run_follow_up(w.deps, w.panel.id))

    assert steps[:3] == [FollowUpStep()] * 3
    assert steps[3].due_today == 1
    assert nudges(w, PRACTITIONER) == ["Case EHM-9: Contact the family is due today."]


async def test_the_lead_closes_a_case_when_support_ends_and_tracking_stops() -> None:
    """Barnet 001 §7.4: «If the plan has been completed, the TAF must ratify that it has been
    achieved and if any universal services are required which need a referral, the LP must
    complete this prior to closing the intervention.»"""
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    with pytest.raises(InvalidInput, match="Before closing, confirm: Any referral to universal"):
        await close_case(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            reason="Plan complete.",
            confirmed=frozenset(BARNET.closure_checks[:1]),
        )

    await close_case(
        w.deps,
        panel_id=w.panel.id,
        actor=PRACTITIONER,
        case_id="case-1",
        reason="Plan complete.",
        confirmed=frozenset(BARNET.closure_checks),
    )
    w.clock.set(london(2027, 1, 7, 8))
    step = await run_follow_up(w.deps, w.panel.id)

    assert w.store.cases["case-1"].status is Status.CLOSED
    assert step == FollowUpStep()


async def test_another_agency_cannot_close_the_case() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")

    with pytest.raises(NotPermitted):
        await close_case(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Police"),
            case_id="case-1",
            reason="Not ours.",
        )


async def test_a_safeguarding_concern_on_an_open_case_is_stepped_up_and_the_case_stays_open() -> (
    None
):
    """Barnet 001 §12.1: «the Lead Professional (LP) needs to first discuss the concerns with
    their line manager»; the MASH decides (§12.3), so Early Help stays in place meanwhile."""
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    with pytest.raises(InvalidInput, match="Say what the safeguarding concern is"):
        await follow_up.step_up(
            w.deps, panel_id=w.panel.id, actor=PRACTITIONER, case_id="case-1", concern=" "
        )
    with pytest.raises(NotPermitted, match="Only the lead agency can step this case up"):
        await follow_up.step_up(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Police"),
            case_id="case-1",
            concern="Bruising seen.",
        )

    await follow_up.step_up(
        w.deps,
        panel_id=w.panel.id,
        actor=PRACTITIONER,
        case_id="case-1",
        concern="Unexplained bruising seen at the home visit.",
    )

    case = w.store.cases["case-1"]
    assert case.status is Status.TRACKING
    assert case.history[-1].reason == "Unexplained bruising seen at the home visit."
    for told in (MANAGER, CHAIR):
        [notice] = [m for m in w.notifier.to(told) if m.kind is Kind.STEP_UP]
        assert notice.text.startswith("Health practitioner stepped case EHM-9 up to the MASH on")
    assert not [m for m in w.notifier.to(PRACTITIONER) if m.kind is Kind.STEP_UP]


async def test_barnet_step_down_work_is_concluded_in_6_months_unless_a_manager_extends_it() -> None:
    """001 §14.2: «Engagement in the majority of step-down work is generally concluded within a
    **6-month** period» and «line management approval to extend the engagement period should be
    sought»: the practitioner's card offers no extension; the manager's does, and extends."""
    w = world(BARNET, london(2027, 1, 4, 12))
    manager = Member(MANAGER, "Health manager", frozenset({Role.MANAGER}), agency="Health")
    practitioner = Member(
        PRACTITIONER, "Health practitioner", frozenset({Role.PRACTITIONER}), agency="Health"
    )
    w.panel = replace(w.panel, members=(*w.panel.members, practitioner, manager))
    decision = Decision(
        "case-1", "eha", date(2027, 1, 4), lead_agency="Health", taf_agencies=("Police",)
    )
    stepped_down = replace(referral("EHM-9", "South"), route=Section.STEP_DOWN)
    case = Case.from_referral("case-1", w.panel.id, stepped_down, w.clock.now(), "")
    case.status, case.decision = Status.TRACKING, decision
    case.milestones = plan_milestones(BARNET, w.panel.calendar, decision, case.route)
    w.store.cases[case.id] = case
    assert {m.code: m.due for m in case.milestones}["step-down-concluded"] == date(2027, 7, 5)

    with pytest.raises(NotPermitted, match="Only a manager can extend this"):
        await follow_up.extend_milestone(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            code="step-down-concluded",
            reason="New needs.",
        )
    plan = await follow_up.extend_milestone(
        w.deps,
        panel_id=w.panel.id,
        actor=MANAGER,
        case_id="case-1",
        code="step-down-concluded",
        reason="Agreed in supervision: new needs around housing.",
    )
    assert {m.code: m.due for m in plan}["step-down-concluded"] == date(2028, 1, 4)
    # A new referral plans no step-down clock.
    assert "step-down-concluded" not in {
        m.code for m in plan_milestones(BARNET, w.panel.calendar, decision, Section.NEW_REFERRAL)
    }
