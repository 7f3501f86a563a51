"""Every card fits Teams: at real scale (15 cases, 20 agencies) with every free-text field at
the longest its form accepts, a card stays under the bot's one limit (`MAX_ACTIVITY_BYTES`),
and the delivery worker refuses to send one that would not, saying which and why."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app import STORE
from bot.panel_bot import fitting
from bot.rendering import MAX_ACTIVITY_BYTES, activity_for, size_of
from cards import console, outcomes, panel_day, week
from cards import history as history_cards
from cards import tasks as task_cards
from cards.common import Card
from panel.cases import MAX_NAME, MAX_NEEDS, MAX_PEOPLE
from panel.console import CasePapers, ChairView, ItemState, ItemView
from panel.escalations import MAX_INTERIM, MAX_RESOLUTION, MAX_WHY
from panel.infochecks import Cell, InfoCheck, Known, ReadinessGrid
from panel.meeting import MeetingStatus
from panel.messages import (
    AnswerLine,
    CaseCard,
    CirculatedCase,
    EscalationNotice,
    MinutesLine,
    MinutesRecord,
)
from panel.outcomes import MAX_CHECK_ANSWER, MAX_REASON, MAX_TEXT
from panel.policy import MAX_CHECKLIST, MAX_CHECKLIST_LINE, MAX_ESCALATION_STAGES, Section
from panel.usecases.desk import SHOWN, Desk, FollowUpItem
from panel.usecases.history import SHOWN as SHOWN_LINES
from panel.usecases.history import CaseHistory, HistoryLine
from panel.usecases.info_checks import MemberPack
from panel.usecases.panel_day import MAX_AOB, MAX_AOB_TEXT
from panel.usecases.tasks import Task, TaskKind
from panel.usecases.week import AgendaLine, AgendaView
from storage.outbox import Outbox
from tests.bot.teams import ISAIAH, Teams
from tests.bot.test_week_over_http import circulated

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)
CASES = 15
LONGEST_ANSWER = 2000  # the policy's info_max_length in every preset


def longest(length: int, letter: str = "x") -> str:
    # Characters JSON escapes ('"', '\\', '<') would make a card larger still; the form keeps
    # them, so they are in the text too.
    return ('Needs "quoted" <b>\\ ' + letter * length)[:length]


def case(n: int) -> CirculatedCase:
    return CirculatedCase(
        f"{n:032x}",
        reference=f"EHM-{n:036d}",
        locality=longest(100, "L"),
        route=Section.NEW_REFERRAL,
        child_names=tuple(longest(MAX_NAME, "c") for _ in range(MAX_PEOPLE)),
        child_dates_of_birth=tuple("2019-02-03" for _ in range(MAX_PEOPLE)),
        presenting_needs=longest(MAX_NEEDS, "n"),
        consent=longest(MAX_NAME, "p") + ", on Wednesday 30 September 2026",
        back_because="Stuck: " + longest(500, "b"),  # the lead's reason, at its longest
    )


def pack(*, answered: bool) -> MemberPack:
    cases = tuple(case(n) for n in range(CASES))
    answers = {
        c.case_id: InfoCheck(
            c.case_id, "Agency", Known.KNOWN, longest(LONGEST_ANSWER, "a"), True, "p", NOW, True
        )
        for c in cases
    }
    return MemberPack(
        "m" * 32,
        longest(100, "P"),
        date(2026, 12, 8),
        NOW,
        longest(100, "A"),
        False,
        cases,
        answers if answered else {},
        50 if answered else None,
    )


def size(card: Card) -> int:
    return size_of(card)


def test_a_card_is_measured_at_least_as_large_as_the_activity_that_carries_it() -> None:
    card = week.circulation(pack(answered=True))
    activity = activity_for(card, longest(200, "t"), "outbox-1234567890")
    sent = len(json.dumps(activity.serialize(), separators=(",", ":")).encode())
    assert sent <= size(card)


@pytest.mark.parametrize("answered", [False, True])
def test_a_15_case_pack_at_its_longest_fits_as_an_overview_and_one_card_per_case(
    answered: bool,
) -> None:
    full = pack(answered=answered)
    pages = range(-(-CASES // week.PAGE))
    sizes = [size(week.circulation(full, page=p, notice="Saved.", problem="No.")) for p in pages]
    sizes += [
        size(week.pack_case(full, c.case_id, notice="Answer saved.", problem="No."))
        for c in full.cases
    ]
    assert max(sizes) <= MAX_ACTIVITY_BYTES, sizes


async def test_a_card_too_large_for_teams_is_not_sent_and_business_support_hear_why(
    teams: Teams,
) -> None:
    await circulated(teams)
    outbox = Outbox(teams.app[STORE])
    sections = [["Reviews overdue", [longest(2000, "r") for _ in range(20)]]]
    await outbox.enqueue(
        "too-big",
        f"person:{ISAIAH}",
        "drift-report",
        {"v": 2, "text": "Drift report.", "body": {"panel_id": "demo", "sections": sections}},
        teams.clock.now(),
    )
    before = len(teams.connector.sent)

    await teams.deliver()

    assert not any("Drift report" in str(s.activity) for s in teams.connector.sent[before:])
    [failed] = [f for f in await outbox.failed() if f.kind == "drift-report"]
    assert "Teams takes at most 24 KB" in str(failed.last_error)


def test_a_reply_card_too_large_for_teams_becomes_a_plain_message_saying_so() -> None:
    small = week.circulation(pack(answered=False))
    huge = {**small, "body": [{"type": "TextBlock", "text": longest(30000)}]}

    assert fitting(small) is small
    assert "Teams takes at most 24 KB" in str(fitting(huge))
    assert size(fitting(huge)) < MAX_ACTIVITY_BYTES


def test_readiness_for_15_cases_and_20_agencies_fits() -> None:
    # Agency names come from the configuration, not a form: 30 characters is long for one
    # ("Children's Social Care", "Community Paediatrics").
    agencies = tuple(f"Agency {n:02d} " + "a" * 20 for n in range(20))
    cases = tuple(f"{n:032x}" for n in range(CASES))
    view = AgendaView(
        "demo",
        longest(100, "P"),
        "m" * 32,
        date(2026, 12, 8),
        MeetingStatus.CIRCULATED,
        NOW,
        NOW,
        NOW,
        False,
        tuple(
            AgendaLine(n + 1, c, f"EHM-{n:036d}", Section.NEW_REFERRAL, "South")
            for n, c in enumerate(cases)
        ),
        (),
    )
    # Every cell says something, and every agency offers to lead: the longest lines.
    cells = {
        (c, a): (Cell.CHECKING if n % 2 else Cell.MISSING)
        for c in cases
        for n, a in enumerate(agencies)
    }
    grid = ReadinessGrid(cases, agencies, cells, {c: agencies for c in cases}, {})

    assert size(week.readiness(view, grid, notice="Reminders sent: 20.")) <= MAX_ACTIVITY_BYTES


AGENCIES = tuple(f"Agency {n:02d} " + "a" * 20 for n in range(20))


def test_a_case_card_with_20_long_answers_goes_as_parts_that_each_fit_and_lose_nothing() -> None:
    answers = tuple(
        AnswerLine(a, Known.KNOWN, longest(LONGEST_ANSWER, "i"), True, True) for a in AGENCIES
    )
    parts = CaseCard.parts_of(
        "m" * 32,
        "c" * 32,
        15,
        case(1),
        answers,
        tuple((a, 99) for a in AGENCIES),
        tuple(longest(300, "q") for _ in range(6)),
        date(2026, 12, 8),
    )

    sizes = [size(panel_day.case_card(p, notice="Conflict noted.")) for p in parts]
    assert len(parts) > 1  # 40,000 characters of answers do not fit one message
    assert max(sizes) <= MAX_ACTIVITY_BYTES, sizes
    assert [a for p in parts for a in p.answers] == list(answers)  # every answer, in order
    assert "More answers follow in " in str(panel_day.case_card(parts[0]))
    assert f"(part 2 of {len(parts)})" in str(panel_day.case_card(parts[1]))


def test_minutes_of_15_items_with_every_field_at_its_longest_go_as_parts_that_each_fit() -> None:
    lines = tuple(
        MinutesLine(
            n + 1,
            f"EHM-{n:036d}",
            longest(100, "o"),
            AGENCIES[n],
            "Health 2, Schools 1, Police 1 " + "t" * 100,
            tuple(longest(MAX_TEXT + 60, "x") for _ in range(3)),  # owner, text, due date
            (longest(700, "c"),),  # a correction on the day, with its reason
            "new-referral",
            AGENCIES,  # every agency declared a conflict
            AGENCIES,  # and is in the Team Around the Family
            "60 working days",
            longest(MAX_TEXT, "r"),  # the rationale and the dissent at their longest
            longest(MAX_TEXT, "d"),
            # Every checklist line answered at its longest, and an escalation raised through
            # stages with every reason, its interim service and its resolution at the longest.
            tuple(
                f"{k}. {longest(MAX_CHECKLIST_LINE, 'q')} {longest(MAX_CHECK_ANSWER, 'a')}"
                for k in range(MAX_CHECKLIST)
            ),
            longest(
                MAX_ESCALATION_STAGES * (150 + MAX_WHY) + MAX_INTERIM + 200 + MAX_RESOLUTION, "e"
            ),
        )
        for n in range(CASES)
    )
    record = MinutesRecord(
        "m" * 32,
        longest(100, "P"),
        date(2026, 12, 8),
        AGENCIES,
        AGENCIES[:5],
        "Quorate: 5 of 3 key agencies needed are present.",
        lines,
        tuple(f"EHM-{n:036d}" for n in range(5)),
        tuple(longest(MAX_AOB_TEXT, "b") for _ in range(MAX_AOB)),
        chair=longest(100, "C"),
        starts="09:30",
        attendees=tuple(
            f"{longest(60, 'N')} ({a}, deputy for {longest(60, 'M')})" for a in AGENCIES
        ),
        apologised=tuple(f"{longest(60, 'A')} ({a})" for a in AGENCIES),
        absent=AGENCIES,
        next_panel=date(2026, 12, 15),
        # Ten escalations from earlier sittings, each at its longest.
        escalations=tuple(
            longest(
                MAX_ESCALATION_STAGES * (150 + MAX_WHY) + MAX_INTERIM + 200 + MAX_RESOLUTION, "E"
            )
            for _ in range(10)
        ),
    )

    parts = record.in_parts()

    sizes = [size(panel_day.minutes(p)) for p in parts]
    assert max(sizes) <= MAX_ACTIVITY_BYTES, sizes
    assert [i for p in parts for i in p.items] == list(lines)
    assert [p.present for p in parts] == [AGENCIES] + [()] * (len(parts) - 1)
    assert parts[-1].aob == record.aob
    assert [e for p in parts for e in p.escalations] == list(record.escalations)
    assert len(parts) > 1


def test_short_minutes_stay_one_message() -> None:
    record = MinutesRecord(
        "m" * 32, "Panel", date(2026, 12, 8), ("Health",), (), "Quorate.", (), (), ("AOB",)
    )

    assert record.in_parts() == (record,)


def test_the_chairs_console_for_15_items_and_20_agencies_with_its_papers_fits() -> None:
    items = tuple(
        ItemView(
            n + 1,
            f"{n:032x}",
            f"EHM-{n:036d}",
            Section.NEW_REFERRAL,
            longest(100, "L"),
            ItemState.VOTING
            if n == 0
            else ItemState.DECIDED
            if n % 2
            else ItemState.AWAITING_RESOLUTION,
            "r" * 32,
            20,
            20,
            longest(200, "s"),
            AGENCIES,
            AGENCIES[0],
            longest(100, "o"),
            AGENCIES[1],
            escalation=f"{longest(100, 's')}; owner {longest(100, 'O')}",
        )
        for n in range(CASES)
    )
    view = ChairView(
        "demo",
        longest(100, "P"),
        "m" * 32,
        date(2026, 12, 8),
        MeetingStatus.IN_SESSION,
        "Quorate: 20 of 3 key agencies needed are present.",
        True,
        tuple((a, "present") for a in AGENCIES),
        items,
        tuple((f"outcome-{n}", longest(80, "o")) for n in range(8)),
        AGENCIES,
        tuple((f"{n:032x}", f"EHM-{n:036d}", Section.STUCK) for n in range(5)),
        tuple(longest(MAX_AOB_TEXT, "b") for _ in range(MAX_AOB)),
        # The item in hand: every agency answered at the longest the form allows.
        CasePapers(
            items[0].case_id,
            1,
            items[0].reference,
            tuple(AnswerLine(a, Known.KNOWN, longest(2000, "i"), True, True) for a in AGENCIES),
            (),
            AGENCIES,
            tuple((a, 99) for a in AGENCIES),
            AGENCIES,
            tuple(longest(300, "c") for _ in range(6)),
            AGENCIES,
        ),
    )

    assert size(console.console(view, notice="Vote closed.")) <= MAX_ACTIVITY_BYTES


def chair_view_for_forms() -> ChairView:
    """A console's view with 20 agencies, 8 outcomes, a 10-line checklist and 20 owners."""
    return ChairView(
        "demo",
        longest(100, "P"),
        "m" * 32,
        date(2026, 12, 8),
        MeetingStatus.IN_SESSION,
        "Quorate.",
        True,
        (),
        (),
        tuple((f"outcome-{n}", longest(100, "o")) for n in range(8)),
        AGENCIES,
        (),
        checklist=tuple(
            longest(MAX_CHECKLIST_LINE - 1, "q") + ("?" if n % 2 else ".")
            for n in range(MAX_CHECKLIST)
        ),
        checklist_required=True,
        combine_outcomes=True,
        owners=tuple((f"{n:032x}", f"{longest(100, 'N')} ({a})") for n, a in enumerate(AGENCIES)),
        escalation_stages=(longest(100, "S"), longest(100, "T"), longest(100, "U")),
    )


def test_the_outcome_form_with_every_field_at_its_longest_fits() -> None:
    view = chair_view_for_forms()
    item = ItemView(1, "c" * 32, f"EHM-{0:036d}", Section.NEW_REFERRAL, "L", ItemState.ESCALATED)
    values = {
        "outcome": ",".join(code for code, _ in view.outcomes),
        "taf": ",".join(AGENCIES),
        "rationale": longest(MAX_TEXT, "r"),
        "dissent": longest(MAX_TEXT, "d"),
        "change_reason": longest(MAX_REASON, "w"),
        # Questions (even lines) answered in words at their longest; statements Not applicable.
        **{
            f"check{n}": longest(MAX_CHECK_ANSWER, "a") if n % 2 == 0 else "Not applicable"
            for n in range(1, MAX_CHECKLIST + 1)
        },
        **{f"action{n}_text": longest(500, "t") for n in range(1, 4)},
    }

    form = outcomes.outcome_form(
        view, item, values=values, problem=longest(300, "p"), changing=True
    )

    assert size(form) <= MAX_ACTIVITY_BYTES, size(form)


def test_the_escalation_cards_with_every_field_at_their_longest_fit() -> None:
    view = chair_view_for_forms()
    item = ItemView(1, "c" * 32, f"EHM-{0:036d}", Section.NEW_REFERRAL, "L", ItemState.ESCALATED)
    form = outcomes.escalation_form(
        view, item, values={"interim_service": longest(MAX_INTERIM, "i")}, problem="p" * 300
    )
    notice = EscalationNotice(
        "demo",
        "c" * 32,
        f"EHM-{0:036d}",
        longest(300, "w"),
        tuple(
            (longest(100, "s"), date(2026, 12, 8), longest(MAX_WHY, "r"))
            for _ in range(MAX_ESCALATION_STAGES)
        ),
        longest(300, "R"),
        longest(100, "O"),
        longest(MAX_INTERIM, "i"),
        longest(100, "A"),
        longest(MAX_RESOLUTION, "z"),
        longest(100, "n"),
        acts=True,
    )

    assert size(form) <= MAX_ACTIVITY_BYTES, size(form)
    assert size(outcomes.escalation(notice)) <= MAX_ACTIVITY_BYTES


def test_my_tasks_with_a_full_desk_fits() -> None:
    """A practitioner with 15 families: 25 milestones shown at their longest, the rest counted."""
    desk = Desk(
        tuple(
            FollowUpItem(
                "demo", f"{n:032x}", f"EHM-{n:036d}", f"m{n}", longest(200, "l"), NOW.date(), True
            )
            for n in range(SHOWN)
        ),
        20,
    )
    items = [
        Task(kind, "demo", longest(100, "P"), 99, "m" * 32, NOW)
        for kind in (TaskKind.SCREEN, TaskKind.ANSWER, TaskKind.CAPACITY, TaskKind.READINESS)
    ]

    assert size(task_cards.tasks(items, desk)) <= MAX_ACTIVITY_BYTES


def test_the_histories_of_three_cases_sharing_a_reference_fit() -> None:
    line = HistoryLine(NOW, longest(100, "N"), "answered the information check for their agency")
    history = CaseHistory(
        f"EHM-{0:036d}",
        longest(100, "P"),
        "closed",
        longest(200, "L"),
        (line,) * (SHOWN_LINES // 3),  # as find_case shares the lines between the cases
        99,
    )

    alone = replace(history, lines=(line,) * SHOWN_LINES)
    assert size(history_cards.histories([alone])) <= MAX_ACTIVITY_BYTES
    assert size(history_cards.histories([history] * 3)) <= MAX_ACTIVITY_BYTES
