"""`run_week`: the scheduler's one step for the week before a panel."""

from __future__ import annotations

from datetime import date

from panel.lifecycle import Event
from panel.meeting import MeetingStatus
from panel.messages import Kind
from panel.presets import BARNET
from panel.usecases import intake, week
from tests.panel.world import SUPPORT, World, london, referral, world


async def listed(w: World, reference: str) -> str:
    case_id = await intake.refer_case(
        w.deps, panel_id=w.panel.id, actor=SUPPORT, referral=referral(reference, "South")
    )
    await intake.screen_case(
        w.deps, panel_id=w.panel.id, actor=SUPPORT, case_id=case_id, decision=Event.LIST
    )
    return case_id


async def meeting_on(w: World, day: date) -> MeetingStatus | None:
    meeting = next((m for m in w.store.meetings.values() if m.panel_date == day), None)
    return meeting.status if meeting else None


async def test_before_the_cutoff_the_step_does_nothing() -> None:
    w = world(BARNET, london(2026, 12, 1, 14))
    await listed(w, "EHM-1")

    step = await week.run_week(w.deps, w.panel.id)

    assert step == week.WeekStep()
    assert w.store.meetings == {}


async def test_after_downtime_one_step_freezes_circulates_and_reminds_once() -> None:
    w = world(BARNET, london(2026, 12, 1, 14))
    await listed(w, "EHM-1")
    w.clock.set(london(2026, 12, 4, 11))  # down since Tuesday: cut-off, circulation, reminder

    first = await week.run_week(w.deps, w.panel.id)
    second = await week.run_week(w.deps, w.panel.id)

    assert first.frozen
    assert first.circulated > 0
    assert first.reminded > 0
    assert second == week.WeekStep()
    kinds = [m.kind for m in w.notifier.direct_messages]
    assert kinds.count(Kind.CIRCULATION) == first.circulated


async def test_an_empty_agenda_freezes_quietly() -> None:
    w = world(BARNET, london(2026, 12, 2, 15))

    step = await week.run_week(w.deps, w.panel.id)

    assert step == week.WeekStep(frozen=True)
    assert w.notifier.direct_messages == []
    assert w.notifier.notices == []


async def test_at_christmas_the_next_cutoff_comes_before_this_weeks_panel_and_is_kept() -> None:
    w = world(BARNET, london(2026, 12, 15, 14))
    await listed(w, "EHM-1")
    w.clock.set(london(2026, 12, 16, 15))
    await week.run_week(w.deps, w.panel.id)  # Tuesday 22nd: frozen and circulated
    await listed(w, "EHM-2")

    w.clock.set(london(2026, 12, 21, 14))  # Monday 21st, 14:00: the 29th's cut-off has passed
    await week.run_week(w.deps, w.panel.id)

    assert await meeting_on(w, date(2026, 12, 22)) is MeetingStatus.CIRCULATED
    assert await meeting_on(w, date(2026, 12, 29)) is MeetingStatus.CIRCULATED


async def test_the_break_is_announced_once_in_the_channel_while_the_panel_sits() -> None:
    from panel.usecases import panel_day
    from tests.panel.world import CHAIR

    w = world(BARNET, london(2026, 12, 1, 14))
    await listed(w, "EHM-1")
    w.clock.set(london(2026, 12, 2, 15))
    await week.run_week(w.deps, w.panel.id)
    w.clock.set(london(2026, 12, 8, 9, 30))
    meeting = next(iter(w.store.meetings.values()))
    await panel_day.start_panel(w.deps, panel_id=meeting.panel_id, actor=CHAIR)

    before = await panel_day.run_panel_day(w.deps, w.panel.id)
    w.clock.set(london(2026, 12, 8, 11, 1))
    during = await panel_day.run_panel_day(w.deps, w.panel.id)
    again = await panel_day.run_panel_day(w.deps, w.panel.id)

    assert (before, during, again) == (0, 1, 0)
    assert w.notifier.notices[-1].text == "Break: 15 minutes. The panel resumes at 11:15."
    assert w.notifier.notices[-1].counts == {"minutes": 15}


async def test_a_late_freeze_leaves_a_case_listed_after_the_cutoff_for_the_next_sitting() -> None:
    w = world(BARNET, london(2026, 12, 1, 14))
    before = await listed(w, "EHM-1")
    w.clock.set(london(2026, 12, 3, 9))  # down over Wednesday's cut-off; listed on Thursday
    after = await listed(w, "EHM-2")

    await week.run_week(w.deps, w.panel.id)

    frozen = next(m for m in w.store.meetings.values() if m.panel_date == date(2026, 12, 8))
    assert frozen.agenda is not None
    assert [i.case_id for i in frozen.agenda.items] == [before]
    assert w.store.cases[after].waiting_for_agenda
