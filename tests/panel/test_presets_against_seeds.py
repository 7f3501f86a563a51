"""Preset rules corrected to say what their seed says (issue 15): each test names the clause."""

from __future__ import annotations

from datetime import date, time

from panel.outcomes import Decision, plan_milestones
from panel.policy import Moment, Policy
from panel.presets import BARNET, LEICESTER, ST_HELENS
from tests.panel.world import build_panel

DAY = date(2026, 12, 9)


def _planned(policy: Policy, outcome: str) -> set[str]:
    calendar = build_panel(policy).calendar
    decision = Decision("c" * 32, outcome, DAY, lead_agency=None)
    return {m.code for m in plan_milestones(policy, calendar, decision)}


def test_barnet_needs_more_than_3_agencies_and_a_wide_range_of_needs_for_an_assessment() -> None:
    """001 §5.1: «more than 3 agencies involved, and there are a wide range of needs»."""
    assert (
        "more than 3 agencies are involved, and there is a wide range of needs"
        in (BARNET.checklist[0])
    )


def test_st_helens_keeps_the_case_open_after_a_step_up_to_the_mash() -> None:
    """003: «EHAT record should remain open until MASH outcome has confirmed»."""
    step_up = ST_HELENS.outcome("step-up-mash")
    assert not step_up.closes_case
    assert not step_up.needs_lead
    assert _planned(ST_HELENS, "step-up-mash") == set()  # nothing to nudge anyone about


def test_leicester_keeps_early_help_in_place_after_a_step_up_to_child_in_need() -> None:
    """004: «the Early Help service will remain in place until the outcome of the Single
    Assessment undertaken by social care is known»."""
    assert not LEICESTER.outcome("step-up-cin").closes_case


def test_barnet_information_checks_are_due_on_the_panels_morning_not_the_day_before() -> None:
    """000 §5: «panel members who will have 4 working days to collate information and present
    the following Tuesday at panel» (Monday 16:00 cut a day off the four)."""
    assert BARNET.info_check_deadline == Moment(0, time(9, 0))
    assert "the preset follows §5.1" in BARNET.sources["checklist"]  # 001 contradicts itself


def test_barnet_follow_up_is_the_coordinators_task_and_keeps_the_case_open() -> None:
    """000: «Further follow up/signposting to be completed by the Early Help Coordinator»."""
    follow_up = BARNET.outcome("follow-up")
    assert not follow_up.closes_case
    assert follow_up.carried_by == "Early Help"
    assert _planned(BARNET, "follow-up") == {"follow-up"}


def test_leicester_appoints_the_lead_at_the_first_taf_not_at_the_panel() -> None:
    """004: «a Lead Practitioner appointed from the meeting»."""
    assert not LEICESTER.outcome("step-down").needs_lead
    assert _planned(LEICESTER, "step-down") == {"first-taf", "plan-review"}


def test_st_helens_patch_funding_sets_no_new_family_action_meeting() -> None:
    """003 PATCH funding: «The family must have current and active Early Help Assessment and
    Plan», so agreeing funding starts no new Family Action Meeting; the panel still reviews."""
    assert _planned(ST_HELENS, "patch-agreed") == {"lead-contact", "panel-review"}
    assert _planned(ST_HELENS, "home-start") == {
        "family-action-meeting",
        "plan-circulated",
        "plan-review",
        "lead-contact",
        "panel-review",
    }
