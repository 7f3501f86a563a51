"""After the panel, over HTTP: the lead gets the milestone nudge 1:1, marks it done or not
possible, or sends the case back to panel as stuck; others cannot."""

from __future__ import annotations

from app import DEPS
from cards.verbs import Verb
from panel.usecases.follow_up import drift_report, run_follow_up
from tests.bot.teams import ADELE, ALEX, ISAIAH, MEGAN, Teams, personal, texts_of
from tests.bot.test_panel_day_over_http import outcome_inputs, prepare, sign_in
from tests.bot.test_week_over_http import action_data


async def allocated_to_health(teams: Teams) -> str:
    """A case decided at panel on Tuesday 8 December 2026 with Health as lead."""
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams, families=1)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, sitting.meeting)
    await teams.press(
        MEGAN,
        Verb.OUTCOME_RECORD,
        {
            "meeting": sitting.meeting,
            "case": sitting.cases[0],
            **outcome_inputs(teams),
            "lead": "Health",
        },
    )
    await teams.deliver()
    return sitting.cases[0]


async def test_the_lead_is_nudged_and_marks_the_milestone_done(teams: Teams) -> None:
    await allocated_to_health(teams)
    teams.now(2026, 12, 9, 7, 30)  # contact due in 2 working days (Barnet: 2 of the decision)

    await run_follow_up(teams.app[DEPS], "demo")
    await teams.deliver()
    nudge = next(c for c in teams.cards_to(ADELE) if "Coming up: EHM-300" in texts_of(c))
    done = await teams.press(
        ADELE, Verb.MILESTONE_DONE, {**action_data(nudge, "Mark done"), "done_on": "2026-12-09"}
    )
    not_theirs = await teams.press(
        ISAIAH, Verb.MILESTONE_DONE, {**action_data(nudge, "Mark done"), "done_on": "2026-12-09"}
    )
    no_reason = await teams.press(
        ADELE, Verb.MILESTONE_NOT_POSSIBLE, {**action_data(nudge, "Not possible"), "reason": ""}
    )

    assert "Marked done on 09 December 2026." in texts_of(done)
    assert "Contact the family" in texts_of(done)
    assert "Only the agency doing it (or the lead agency)" in texts_of(not_theirs)
    assert "or a short reason it is not possible" in texts_of(no_reason)


async def test_a_stuck_case_goes_back_to_the_next_agenda(teams: Teams) -> None:
    await allocated_to_health(teams)
    teams.now(2026, 12, 9, 7, 30)
    await run_follow_up(teams.app[DEPS], "demo")
    await teams.deliver()
    nudge = next(c for c in teams.cards_to(ADELE) if "Coming up: EHM-300" in texts_of(c))

    stuck = await teams.press(
        ADELE,
        Verb.CASE_STUCK,
        {**action_data(nudge, "Stuck: back to panel"), "reason": "No engagement"},
    )
    agenda = await teams.press(ALEX, Verb.AGENDA_VIEW, {"panel": "demo"})

    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})
    await teams.press(ALEX, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now"))
    await teams.deliver()
    pack = next(c for c in teams.cards_to(ISAIAH) if "Please answer each" in texts_of(c))
    case_card = await teams.press(ISAIAH, Verb.PACK_CASE, action_data(pack, "Answer"))

    assert "goes back to the next panel's agenda" in texts_of(stuck)
    assert "EHM-300 · Stuck case" in texts_of(agenda)
    # Why it is back, in the lead's words, on the agenda and on what members answer from.
    assert "Back because: \nStuck: No engagement" in texts_of(agenda)
    assert "Back because: \nStuck: No engagement" in texts_of(case_card)


async def test_the_monthly_drift_report_reaches_the_chair_one_to_one(teams: Teams) -> None:
    await allocated_to_health(teams)
    teams.now(2027, 2, 1, 9, 0)  # contact, home visit and assessment all overdue by now

    await drift_report(teams.app[DEPS], "demo")
    await teams.deliver()

    report = next(c for c in teams.cards_to(MEGAN) if "Drift report" in texts_of(c))
    assert "EHM-300 (Health): Contact the family: overdue" in texts_of(report)


async def test_a_recurring_milestone_comes_round_again_and_its_card_still_works(
    teams: Teams,
) -> None:
    """Barnet 001 §7.2: the voice of the child «at a minimum of every 4 weeks for the duration
    of the intervention»: done from its nudge, the next one is planned, and its own nudge's
    buttons are accepted."""
    await allocated_to_health(teams)
    teams.now(2027, 1, 5, 7, 30)  # 4 weeks after the panel of Tuesday 8 December

    await run_follow_up(teams.app[DEPS], "demo")
    await teams.deliver()
    nudge = next(
        c
        for c in teams.cards_to(ADELE)
        if "Due today: EHM-300" in texts_of(c) and "See the child" in texts_of(c)
    )
    done = await teams.press(
        ADELE, Verb.MILESTONE_DONE, {**action_data(nudge, "Mark done"), "done_on": "2027-01-05"}
    )
    assert "See the child and record their voice (2nd): 02 Feb 2027 — open" in texts_of(done)

    teams.now(2027, 2, 2, 7, 30)
    await run_follow_up(teams.app[DEPS], "demo")
    await teams.deliver()
    again = next(
        c
        for c in teams.cards_to(ADELE)
        if "Due today: EHM-300" in texts_of(c) and "(2nd)" in texts_of(c)
    )
    second = await teams.press(
        ADELE, Verb.MILESTONE_DONE, {**action_data(again, "Mark done"), "done_on": "2027-02-02"}
    )
    assert "Marked done on 02 February 2027." in texts_of(second)
    assert "See the child and record their voice (3rd): 02 Mar 2027 — open" in texts_of(second)


async def test_the_lead_agency_names_its_practitioner_who_hands_the_lead_over(
    teams: Teams,
) -> None:
    """Issue 16: the allocation goes to a person; the lead role moves with a reason (Barnet 001
    §17.4: to a school when the issues are mainly school-based), told to both sides and the
    chair, and the nudges follow it."""
    await allocated_to_health(teams)
    allocation = next(c for c in teams.cards_to(ADELE) if "New allocation" in texts_of(c))
    assert "Who leads it" in texts_of(allocation)
    named = await teams.press(
        ADELE,
        Verb.LEAD_NAME,
        {**action_data(allocation, "Name the lead practitioner"), "practitioner": ADELE},
    )
    # Adele named herself: she is told in the second person.
    assert "You lead case EHM-300 now: its dates are on the card sent to you" in texts_of(named)
    await teams.deliver()
    mine = [c for c in teams.cards_to(ADELE) if "You lead case EHM-300 for Health" in texts_of(c)]
    assert len(mine) == 1

    unexplained = await teams.press(
        ADELE,
        Verb.LEAD_HAND_OVER,
        {**action_data(mine[0], "Hand over"), "practitioner": ISAIAH, "handover_reason": ""},
    )
    assert "Say why the lead role moves" in texts_of(unexplained)
    handed = await teams.press(
        ADELE,
        Verb.LEAD_HAND_OVER,
        {
            **action_data(mine[0], "Hand over"),
            "practitioner": ISAIAH,
            "handover_reason": "Mainly about school attendance now.",
        },
    )
    assert "Handed over: Isaiah Langer leads case EHM-300 now." in texts_of(handed)
    await teams.deliver()
    assert any(
        "You lead case EHM-300 for Schools, handed over to you by Adele Vance (Health). The "
        "lead agency is now Schools."
        in texts_of(c)
        and "Mainly about school attendance now." in texts_of(c)
        for c in teams.cards_to(ISAIAH)
    )
    [told] = [c for c in teams.cards_to(MEGAN) if "Lead practitioner: case EHM-300" in texts_of(c)]
    assert "Mainly about school attendance now." in texts_of(told)

    teams.now(2026, 12, 10, 7, 30)  # the contact is due today
    await run_follow_up(teams.app[DEPS], "demo")
    await teams.deliver()
    assert any("Due today: EHM-300" in texts_of(c) for c in teams.cards_to(ISAIAH))
    assert not any("Due today: EHM-300" in texts_of(c) for c in teams.cards_to(ADELE))


async def test_the_lead_acts_from_my_tasks_and_closes_the_case_from_teams(teams: Teams) -> None:
    """Issue 16: the new lead's `my tasks` lists every open milestone with its date and opens
    each one's card; the case is closed from Teams with why support ends (Barnet 001 §7.3)."""
    await allocated_to_health(teams)
    await teams.say(ADELE, "my tasks")
    desk = teams.connector.to(personal(ADELE))[-1].cards[0]
    assert "Nothing is waiting for you." not in texts_of(desk)
    assert "EHM-300 · Contact the family · due Thursday 10 December 2026" in texts_of(desk)
    assert "EHM-300 · See the child and record their voice" in texts_of(desk)
    # Isaiah's agency does not lead it: nothing of it is on his desk.
    await teams.say(ISAIAH, "my tasks")
    assert "EHM-300" not in texts_of(teams.connector.to(personal(ISAIAH))[-1].cards[0])

    card = await teams.press(ADELE, Verb.MILESTONE_VIEW, action_data(desk, "Open"))
    assert "Contact the family: due Thursday 10 December 2026." in texts_of(card)
    done = await teams.press(
        ADELE, Verb.MILESTONE_DONE, {**action_data(card, "Mark done"), "done_on": "2026-12-01"}
    )
    assert "Marked done on 01 December 2026." in texts_of(done)

    stepped = await teams.press(
        ADELE,
        Verb.CASE_STEP_UP,
        {**action_data(card, "Step up now"), "concern": "Unexplained bruising seen."},
    )
    # The demo has no line manager for Adele: the answer does not claim one was told.
    assert "Stepped up: the chair and business support are told (no line manager" in (
        texts_of(stepped)
    )
    assert "MASH duty line 020 7946 0000" in texts_of(stepped)  # the demo's contact
    back = await teams.press(ADELE, Verb.TASKS_VIEW, action_data(stepped, "Back to my tasks"))
    assert "EHM-300 · See the child and record their voice" in texts_of(back)
    await teams.deliver()
    [told] = [c for c in teams.cards_to(MEGAN) if "Stepped up: case EHM-300" in texts_of(c)]
    assert "Unexplained bruising seen." in texts_of(told)
    unexplained = await teams.press(
        ADELE,
        Verb.CASE_CLOSE,
        {**action_data(card, "Close the case"), "close_reason": "Other (say below)"},
    )
    assert "Say why support ends." in texts_of(unexplained)
    closed = await teams.press(
        ADELE,
        Verb.CASE_CLOSE,
        {
            **action_data(card, "Close the case"),
            "close_reason": "The family moved away",
            "close_note": "Moved to Leeds; the receiving team has the file.",
            "close_check1": "true",
            "close_check2": "true",
        },
    )
    assert "Case closed: its follow-up and nudges stop." in texts_of(closed)
    await teams.say(ADELE, "my tasks")
    assert "EHM-300" not in texts_of(teams.connector.to(personal(ADELE))[-1].cards[0])
