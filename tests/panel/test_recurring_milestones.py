"""Reviews and contact recur until the case closes (issue 16, item 1), each preset as its seed
says, followed through two review cycles on a fake clock."""

from __future__ import annotations

from datetime import date

import pytest

from panel.errors import InvalidInput
from panel.messages import Kind
from panel.presets import BARNET, LEICESTER, ST_HELENS
from panel.usecases import follow_up
from panel.usecases.follow_up import drift_report, run_follow_up
from tests.panel.test_follow_up import PRACTITIONER, nudges, tracked_world
from tests.panel.world import World, london


async def done(w: World, code: str, on: date) -> dict[str, date]:
    """The practitioner marks it done; the open milestones and their due dates after."""
    w.clock.set(london(on.year, on.month, on.day, 17))
    plan = await follow_up.mark_milestone(
        w.deps, panel_id=w.panel.id, actor=PRACTITIONER, case_id="case-1", code=code, done_on=on
    )
    return {m.code: m.due for m in plan if m.open}


async def test_barnet_reconvenes_the_taf_every_12_weeks_until_the_case_closes() -> None:
    """001 §7.3: «The TAF will be reconvened every 12 weeks or sooner (dependent on
    circumstances) until it is agreed that:»."""
    w = tracked_world(BARNET, date(2027, 1, 5), "eha")
    await done(w, "assessment", date(2027, 2, 12))
    await done(w, "first-taf", date(2027, 2, 26))
    first_review = await done(w, "taf-review", date(2027, 5, 21))
    assert first_review["taf-review_2"] == date(2027, 8, 13)  # 12 weeks after it was held

    w.clock.set(london(2027, 8, 11, 8))  # two working days before the 2nd review
    await run_follow_up(w.deps, w.panel.id)
    assert (
        "Case EHM-9: Reconvene the Team Around the Family (review) (2nd) is due by Friday 13 "
        "August 2027 (2 working days)."
    ) in nudges(w, PRACTITIONER)

    second_review = await done(w, "taf-review_2", date(2027, 8, 13))
    assert second_review["taf-review_3"] == date(2027, 11, 5)


async def test_barnet_sees_the_child_every_4_weeks_and_a_missed_visit_does_not_stop_it() -> None:
    """001 §7.2: «The LP must record the voice of the child at a minimum of every 4 weeks for
    the duration of the intervention.»"""
    w = tracked_world(BARNET, date(2027, 1, 5), "eha")
    seen = await done(w, "voice-of-the-child", date(2027, 1, 29))
    assert seen["voice-of-the-child_2"] == date(2027, 2, 26)
    w.clock.set(london(2027, 3, 1, 9))
    plan = await follow_up.mark_milestone(
        w.deps,
        panel_id=w.panel.id,
        actor=PRACTITIONER,
        case_id="case-1",
        code="voice-of-the-child_2",
        not_possible="The family cancelled twice.",
    )
    # Missed, it is planned again from the date it was due: 4 weeks on is Good Friday, and
    # Easter Monday follows, so Tuesday 30 March.
    assert {m.code: m.due for m in plan if m.open}["voice-of-the-child_3"] == date(2027, 3, 30)
    with pytest.raises(InvalidInput, match="not an open part"):
        await follow_up.mark_milestone(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            code="voice-of-the-child_2",
            not_possible="Again.",
        )


async def test_leicester_reviews_the_plan_every_3_months_until_needs_are_met() -> None:
    """004: «a plan of action agreed and reviewed every 3 months until needs are met.»"""
    w = tracked_world(LEICESTER, date(2027, 1, 14), "resources-agreed")
    first = await done(w, "plan-review", date(2027, 4, 14))
    assert first["plan-review_2"] == date(2027, 7, 14)
    second = await done(w, "plan-review_2", date(2027, 7, 12))  # held a little early
    assert second["plan-review_3"] == date(2027, 10, 12)


async def test_st_helens_reviews_a_month_after_the_meeting_then_three_monthly() -> None:
    """003: «A review date should be set one month after the initial meeting and thereafter a
    maximum of three-monthly»."""
    w = tracked_world(ST_HELENS, date(2027, 2, 24), "home-start")
    after_meeting = await done(w, "family-action-meeting", date(2027, 3, 10))
    assert after_meeting["plan-review"] == date(2027, 4, 12)  # a month on is Easter Saturday
    first = await done(w, "plan-review", date(2027, 4, 12))
    assert first["plan-review_2"] == date(2027, 7, 12)
    second = await done(w, "plan-review_2", date(2027, 7, 12))
    assert second["plan-review_3"] == date(2027, 10, 12)


async def test_the_drift_report_sees_a_later_review_overdue() -> None:
    w = tracked_world(LEICESTER, date(2027, 1, 14), "resources-agreed")
    await done(w, "plan-review", date(2027, 4, 14))
    w.clock.set(london(2027, 8, 2, 9))  # the 2nd review was due on 14 July

    report = await drift_report(w.deps, w.panel.id)

    assert [line.reference for line in report.reviews_overdue] == ["EHM-9"]
    assert any(m.kind is Kind.DRIFT_REPORT for m in w.notifier.direct_messages)
