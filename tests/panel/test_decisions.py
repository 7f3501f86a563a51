"""Decisions and escalations as the protocols define them (issue 15), as rules: each test names
the seed clause it encodes."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from panel.calendar import Period, Unit
from panel.errors import InvalidInput
from panel.escalations import escalate, raise_stage, resolve
from panel.outcomes import (
    Decision,
    carried_by,
    check_decision,
    closes_case,
    complete_milestone,
    plan_milestones,
)
from panel.policy import MAX_CHECKLIST, Outcome, Policy
from panel.presets import BARNET, CAMDEN, LEICESTER, ST_HELENS
from tests.panel.world import build_panel

DAY = date(2026, 12, 8)  # a Tuesday
AGENCIES = frozenset({"Early Help", "Health", "Schools", "Police", "Early Help Services"})


def planned(policy: Policy, decision: Decision) -> dict[str, date]:
    calendar = build_panel(policy).calendar
    return {m.code: m.due for m in plan_milestones(policy, calendar, decision)}


def test_barnet_recommends_one_or_a_combination_of_its_outcomes() -> None:
    """000: «will recommend one or a combination of the following:»."""
    both = Decision(
        "c", "eha", DAY, lead_agency="Health", taf_agencies=("Schools",), also=("follow-up",)
    )
    check_decision(both, BARNET, AGENCIES)
    due = planned(BARNET, both)
    assert {"contact", "assessment", "first-taf", "taf-review", "follow-up"} <= due.keys()
    assert not closes_case(both, BARNET)


def test_camden_records_one_outcome_per_case() -> None:
    two = Decision("c", "allocate", DAY, lead_agency="Health", also=("recommendations",))
    with pytest.raises(InvalidInput, match="one outcome per case"):
        check_decision(two, CAMDEN, AGENCIES)


def test_a_step_up_closes_the_case_only_when_nothing_else_is_left_to_do() -> None:
    """000 «Initiate step up to MASH» closes it here; with «Further follow up/signposting to be
    completed by the Early Help Coordinator» as well, the case stays open for that task."""
    alone = Decision("c", "step-up-mash", DAY)
    assert closes_case(alone, BARNET)
    assert not closes_case(dataclasses.replace(alone, also=("follow-up",)), BARNET)


def test_barnets_follow_up_is_a_task_for_the_early_help_coordinator_not_a_closure() -> None:
    """000: «Further follow up/signposting to be completed by the Early Help Coordinator»."""
    follow_up = Decision("c", "follow-up", DAY)
    check_decision(follow_up, BARNET, AGENCIES)
    assert not closes_case(follow_up, BARNET)
    assert carried_by(follow_up, BARNET) == "Early Help"
    assert set(planned(BARNET, follow_up)) == {"follow-up"}


def test_universal_plus_needs_no_lead_nor_taf_and_is_reviewed_at_6_weeks() -> None:
    """001 §21.2: «There is no need for a Lead Professional or a TAF to be in place»; §21.4:
    «up to 6 weeks, with a possible extension if agreed in supervision up to 12 weeks
    maximum»."""
    universal = Decision("c", "universal-plus", DAY)
    check_decision(universal, BARNET, AGENCIES)
    assert planned(BARNET, universal) == {"universal-plus-review": date(2027, 1, 19)}
    assert carried_by(universal, BARNET) == "Early Help"  # its practitioners are nudged
    assert "up to 12 if extended in supervision" in BARNET.milestone("universal-plus-review").label


def test_an_assessment_convenes_a_team_around_the_family_so_its_agencies_are_named() -> None:
    """000 Agenda: «Identification of lead agency who will take on responsibility for completing
    an Early Help Assessment and to provide a time frame for the first TAF meeting»."""
    without = Decision("c", "eha", DAY, lead_agency="Health")
    with pytest.raises(InvalidInput, match="needs the Team Around the Family agencies named"):
        check_decision(without, BARNET, AGENCIES)


def test_the_first_taf_time_frame_set_at_panel_dates_the_milestone_and_it_stays_put() -> None:
    """000: «to provide a time frame for the first TAF meeting»: 15 working days from Tuesday
    8 December, past Christmas Day and the Boxing Day holiday, is Thursday 31 December."""
    decision = Decision(
        "c",
        "eha",
        DAY,
        lead_agency="Health",
        taf_agencies=("Schools",),
        first_taf_within=Period(15, Unit.WORKING_DAYS),
    )
    calendar = build_panel(BARNET).calendar
    plan = plan_milestones(BARNET, calendar, decision)
    assert {m.code: m.due for m in plan}["first-taf"] == date(2026, 12, 31)
    # Finishing the assessment early does not move a date the panel set; the review counts
    # from the first TAF as before.
    done = complete_milestone(plan, "assessment", date(2026, 12, 15), BARNET, calendar)
    assert {m.code: m.due for m in done}["first-taf"] == date(2026, 12, 31)
    without = dataclasses.replace(decision, first_taf_within=None)
    assert planned(BARNET, without)["first-taf"] != date(2026, 12, 31)  # the rule's own date


def test_leicester_steps_down_without_a_lead_at_the_panel() -> None:
    """004: «a Lead Practitioner appointed from the meeting» (the first TAF, which «The Family
    Support Manager should arrange ... within 3 weeks of the case being stepped down»)."""
    step_down = Decision("c", "step-down", DAY)
    check_decision(step_down, LEICESTER, AGENCIES)
    assert carried_by(step_down, LEICESTER) == "Early Help Services"
    assert planned(LEICESTER, step_down)["first-taf"] == date(2026, 12, 29)


def test_an_outcome_carried_by_an_agency_not_on_the_panel_is_refused_plainly() -> None:
    with pytest.raises(InvalidInput, match="ask the administrator to add it to the roster"):
        check_decision(Decision("c", "universal-plus", DAY), BARNET, frozenset({"Health"}))


def test_camden_answers_every_line_of_its_checklist() -> None:
    """002 Decision making: «Checklist for decision making:»."""
    partly = Decision(
        "c", "allocate", DAY, lead_agency="Health", checklist=((CAMDEN.checklist[0], "Yes"),)
    )
    with pytest.raises(InvalidInput, match="answer lines 2, 3, 4"):
        check_decision(partly, CAMDEN, AGENCIES)
    maybe = dataclasses.replace(partly, checklist=((CAMDEN.checklist[0], "Maybe"),))
    with pytest.raises(InvalidInput, match="Yes, No or Not applicable"):
        check_decision(maybe, CAMDEN, AGENCIES)
    every = dataclasses.replace(partly, checklist=tuple((q, "Yes") for q in CAMDEN.checklist))
    check_decision(every, CAMDEN, AGENCIES)


def test_st_helens_answers_its_lead_professional_questions_in_words_when_it_chooses() -> None:
    """003: «Criteria you should consider are:» «What are the predominant needs of the unborn,
    child or family?»: questions, answered in words; considered, not required."""
    question = ST_HELENS.checklist[0]
    answered = Decision(
        "c",
        "home-start",
        DAY,
        lead_agency="Health",
        checklist=((question, "Parenting and school attendance"),),
    )
    check_decision(answered, ST_HELENS, AGENCIES)
    check_decision(dataclasses.replace(answered, checklist=()), ST_HELENS, AGENCIES)
    foreign = dataclasses.replace(answered, checklist=(("Is it Tuesday?", "Yes"),))
    with pytest.raises(InvalidInput, match="not this panel's checklist"):
        check_decision(foreign, ST_HELENS, AGENCIES)


def test_a_camden_escalation_starts_at_stage_3_and_keeps_the_family_served() -> None:
    """002: «Stage 3 of the CSCB escalation policy»; «a dispute between agencies should never
    leave the family without a service»."""
    with pytest.raises(InvalidInput, match="never leave the family without one"):
        escalate(
            CAMDEN,
            "c",
            owner="chair",
            on=DAY,
            interim_service="  ",
            interim_agency=None,
            agencies=AGENCIES,
            meeting_id="m",
        )
    started = escalate(
        CAMDEN,
        "c",
        owner="chair",
        on=DAY,
        interim_service="Health visitor keeps visiting.",
        interim_agency="Health",
        agencies=AGENCIES,
        meeting_id="m",
    )
    assert started.stage == "Stage 3 of the CSCB escalation policy"
    assert started.open


def test_an_escalation_goes_to_the_next_stage_only_with_a_reason_and_not_past_the_last() -> None:
    """002: «resolved at the earliest stage possible with escalation to the next stage only
    taking place where a satisfactory resolution cannot be found»."""
    started = escalate(
        CAMDEN,
        "c",
        owner="chair",
        on=DAY,
        interim_service="Health visits.",
        interim_agency=None,
        agencies=AGENCIES,
        meeting_id="m",
    )
    with pytest.raises(InvalidInput, match="Say why"):
        raise_stage(started, CAMDEN, on=DAY, reason="")
    raised = raise_stage(started, CAMDEN, on=date(2026, 12, 15), reason="No agreement.")
    assert raised.stage == "Stage 4 of the CSCB escalation policy"
    with pytest.raises(InvalidInput, match="last escalation stage"):
        raise_stage(raised, CAMDEN, on=date(2026, 12, 16), reason="Still none.")
    done = resolve(raised, on=date(2026, 12, 17), resolution="Health leads.")
    assert "then Stage 4 of the CSCB escalation policy on Tuesday 15 December 2026" in (
        done.summary()
    )
    assert "Resolved on Thursday 17 December 2026: Health leads." in done.summary()
    with pytest.raises(InvalidInput, match="already resolved"):
        resolve(done, on=date(2026, 12, 18), resolution="Again.")


def test_a_policy_that_cannot_work_is_refused_when_it_is_built() -> None:
    with pytest.raises(InvalidInput, match="its lead carries the follow-up"):
        dataclasses.replace(BARNET, outcomes=(Outcome("x", "X", carried_by="Early Help"),))
    with pytest.raises(InvalidInput, match="1 to 3 escalation stages"):
        dataclasses.replace(BARNET, escalation_stages=())
    with pytest.raises(InvalidInput, match=f"at most {MAX_CHECKLIST} lines"):
        dataclasses.replace(BARNET, checklist=tuple(f"Line {n}." for n in range(9)))
