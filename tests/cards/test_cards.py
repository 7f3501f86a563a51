"""Every card, as Microsoft's own Adaptive Cards library reads it: no unknown elements, no bad
values, no duplicate input ids; and user text is never parsed as markdown."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cards import console as console_cards
from cards import follow_up as follow_up_cards
from cards import history as history_cards
from cards import intake, tasks, week
from cards import outcomes as outcome_cards
from cards import panel_day as day_cards
from cards.common import message
from cards.verbs import Verb
from panel.console import (
    CasePapers,
    ChairView,
    ItemState,
    ItemView,
    SharedItem,
    SharedView,
)
from panel.infochecks import Cell, InfoCheck, Known, ReadinessGrid
from panel.lifecycle import Status
from panel.meeting import MeetingStatus
from panel.messages import (
    Allocation,
    AnswerLine,
    Ballot,
    CaseCard,
    CirculatedCase,
    LeadNotice,
    MilestoneNudge,
    MinutesLine,
    MinutesRecord,
    SignInRequest,
)
from panel.policy import Section
from panel.quorum import Presence
from panel.usecases.history import CaseHistory, HistoryLine
from panel.usecases.info_checks import MemberPack
from panel.usecases.intake import CaseLine
from panel.usecases.leads import CaseloadLine
from panel.usecases.tasks import Task, TaskKind
from panel.usecases.week import AgendaCounts, AgendaLine, AgendaView, OverflowLine
from tests.card_nodes import nodes, texts_of

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "e2e" / "check-cards.cjs"
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)
CASE = "0123456789abcdef0123456789abcdef"
HOSTILE = "**bold** [click](https://evil.example) <at>Everyone</at> _x_"


def pack(*, answered: bool, past_deadline: bool = False) -> MemberPack:
    answer = InfoCheck(CASE, "Health", Known.KNOWN, HOSTILE, True, "p", NOW, past_deadline)
    return MemberPack(
        "m" * 32,
        "Demo panel",
        date(2026, 12, 8),
        NOW,
        "Health",
        past_deadline,
        (
            CirculatedCase(
                CASE,
                reference="EHM-1",
                locality="South",
                route=Section.NEW_REFERRAL,
                child_names=("Child A", HOSTILE),
                presenting_needs=HOSTILE,
            ),
        ),
        {CASE: answer} if answered else {},
        3 if answered else None,
    )


def every_card() -> dict[str, dict[str, Any]]:
    line = CaseLine(
        CASE, "EHM-1", "South", Section.NEW_REFERRAL, Status.REFERRED, (HOSTILE,), NOW, 1
    )
    view = AgendaView(
        "demo",
        "Demo panel",
        "m" * 32,
        date(2026, 12, 8),
        MeetingStatus.CIRCULATED,
        NOW,
        NOW,
        NOW,
        False,
        (AgendaLine(1, CASE, "EHM-1", Section.NEW_REFERRAL, "South"),),
        (OverflowLine("f" * 32, "EHM-9", "South", "The list was full."),),
    )
    grid = ReadinessGrid(
        (CASE,),
        ("Health", "Police"),
        {(CASE, "Health"): Cell.KNOWN, (CASE, "Police"): Cell.MISSING},
        {CASE: ("Health",)},
        {"Health": 2},
    )
    return {
        "new case form": intake.case_form("demo", "Demo", ("South", "West"), problem="No."),
        "refilled form": intake.case_form(
            "demo", "Demo", ("South",), values={"reference": "EHM-1", "child1_name": HOSTILE}
        ),
        "case list": intake.case_list("demo", "Demo", [line], notice="Saved."),
        "direct allocation form": intake.direct_form(
            "demo", "f" * 32, "EHM-1", ("A", "B"), values={"direct_reason": HOSTILE}
        ),
        "withdraw form": intake.withdraw_form("demo", "f" * 32, "EHM-1", reason=HOSTILE),
        "empty case list": intake.case_list("demo", "Demo", []),
        "agenda": week.agenda(view, notice="Frozen."),
        "counts": week.counts(AgendaCounts("Demo", date(2026, 12, 8), True, {"review": 2}, 2)),
        "circulation": week.circulation(pack(answered=False)),
        "circulation answered": week.circulation(pack(answered=True), notice="Saved."),
        "circulation late": week.circulation(pack(answered=True, past_deadline=True)),
        "readiness": week.readiness(view, grid),
        "tasks": tasks.tasks([Task(TaskKind.ANSWER, "demo", "Demo", 2, "m" * 32)]),
        "no tasks": tasks.tasks([]),
        "reminder": week.reminder("Reminder.", "m" * 32),
        "notice": week.notice("Sent.", {"cases": 3, "new-referral": 2}),
        "message": message("Hello.", problem="Refused."),
        # As bot/delivery.py sends every card: its outbox marker as the card's id.
        "with an outbox marker": {**week.notice("Sent.", {"cases": 3}), "id": "outbox-42"},
        **panel_day_cards(),
    }


def panel_day_cards() -> dict[str, dict[str, Any]]:
    items = tuple(
        ItemView(
            n,
            CASE,
            f"EHM-{n}",
            Section.REVIEW,
            "South",
            state,
            "r" * 32,
            1,
            3,
            "No majority (A 1, B 1): the chair has the casting vote.",
            ("A", "B"),
            "A",
            "Allocate" if state is ItemState.DECIDED else "",
            "A",
            n % 2 == 0,
        )
        for n, state in enumerate(ItemState, 1)
    )
    view = ChairView(
        "demo",
        "Demo",
        "m" * 32,
        date(2026, 12, 8),
        MeetingStatus.IN_SESSION,
        "Quorate: 3 of 3 key agencies needed are present.",
        True,
        (("Health", "present"), ("Police", "deputy")),
        items,
        (("allocate", "Allocate"), ("signpost", "Signpost")),
        ("A", "B", "Health"),
        (("f" * 32, "EHM-9", Section.STUCK),),
        (HOSTILE,),
        CasePapers(
            items[1].case_id,
            items[1].number,
            items[1].reference,
            (AnswerLine("Health", Known.KNOWN, HOSTILE * 40, True, True),),
            ("Police",),
            ("Health",),
            (("Health", 2),),
            ("Schools",),
            ("Threshold met?",),
            ("Health", "Police"),
        ),
    )
    shared_view = SharedView(
        "demo",
        "Demo",
        date(2026, 12, 8),
        MeetingStatus.IN_SESSION,
        "Quorate.",
        tuple(SharedItem(i.number, i.section, i.state) for i in items),
    )
    sign_in = SignInRequest("m" * 32, "Demo", HOSTILE, "Health", deputy=True)
    case = CaseCard(
        "m" * 32,
        CASE,
        1,
        CirculatedCase(CASE, reference="EHM-1", child_names=(HOSTILE,), presenting_needs=HOSTILE),
        (AnswerLine("Health", Known.KNOWN, HOSTILE, could_lead=True, late=True),),
        (("Health", 2),),
        ("Threshold met?",),
    )
    ballot = Ballot("m" * 32, "r" * 32, "EHM-1", "Health", ("A", "B"), 2)
    record = MinutesRecord(
        "m" * 32,
        "Demo",
        date(2026, 12, 8),
        ("A",),
        (),
        "Quorate.",
        (MinutesLine(1, "EHM-1", "Allocate", "A", "A 2", (HOSTILE,)),),
        ("EHM-2",),
        (HOSTILE,),
    )
    return {
        "shared agenda": console_cards.shared(shared_view),
        "chair console": console_cards.console(view, notice="Done.", problem="No."),
        "any other business": console_cards.aob_form(view, values={"aob_text": HOSTILE}),
        "sign in": day_cards.sign_in(sign_in, problem="Accept it."),
        "signed in": day_cards.signed_in("Health", Presence.DEPUTY, "Quorate."),
        "case card": day_cards.case_card(case),
        "case card conflicted": day_cards.case_card(case, conflicted=True),
        "ballot": day_cards.ballot(ballot),
        "ballot cast": day_cards.ballot(ballot, voted_for="A"),
        "outcome form": outcome_cards.outcome_form(view, items[3], values={"rationale": HOSTILE}),
        "allocation": day_cards.allocation(
            "Health leads.",
            Allocation(
                CASE,
                (("contact", date(2026, 12, 10)),),
                panel_id="demo",
                candidates=(("p" * 32, "Adele Vance (Health)"),),
            ),
        ),
        "allocation to the practitioner": day_cards.allocation(
            "You lead it.",
            Allocation(
                CASE,
                (("contact", date(2026, 12, 10)),),
                panel_id="demo",
                candidates=(("p" * 32, "Adele Vance (Health)"),),
                named=True,
            ),
        ),
        "lead notice": day_cards.lead_notice(LeadNotice("EHM-1", "It moved.", HOSTILE)),
        "find form": history_cards.find_form(problem="No case with that reference.", typed="X-1"),
        "case history": history_cards.histories(
            [
                CaseHistory(
                    "EHM-1",
                    "Panel",
                    "closed",
                    "Health (Adele Vance)",
                    (
                        HistoryLine(
                            datetime(2026, 12, 8, 9, 30, tzinfo=UTC), "Megan Bowen", "voted"
                        ),
                    ),
                    3,
                )
            ]
        ),
        "caseloads": follow_up_cards.caseloads(
            [
                CaseloadLine("Panel", "Adele Vance", "Health", 16, 15),
                CaseloadLine("Panel", "Sam Patel", "Early Help", 1, None),
            ]
        ),
        "record tick": day_cards.record_tick("Record it.", "m" * 32, CASE),
        "minutes": day_cards.minutes(record),
    }


@pytest.mark.parametrize("name", sorted(every_card()))
def test_no_text_in_a_card_starts_a_markdown_list_that_would_renumber_it(name: str) -> None:
    # "6. EHM-2012" alone on a line is an ordered list: renderers show it as "1." (issue 13).
    list_marker = re.compile(r"^\s*\d+[.)]\s")
    texts = [n["text"] for n in nodes(every_card()[name]) if n.get("type") == "TextBlock"]
    starts = [line for text in texts for line in text.split("\n") if list_marker.match(line)]
    assert starts == []


@pytest.mark.parametrize("name", sorted(every_card()))
def test_no_card_says_s_in_brackets_for_a_plural(name: str) -> None:
    texts = [str(n.get("text", "")) + str(n.get("title", "")) for n in nodes(every_card()[name])]
    assert [t for t in texts if "(s)" in t or "(ies)" in t] == []


def test_the_official_renderer_reads_every_card_without_a_complaint(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "e2e" / "node_modules" / "adaptivecards").exists():
        pytest.fail("Node and e2e/node_modules are needed: run `make test` (it runs npm ci).")
    cards = every_card()
    path = tmp_path / "cards.json"
    path.write_text(json.dumps(list(cards.values())), encoding="utf-8")

    result = subprocess.run(  # noqa: S603 - our own script, our own file
        [node, str(CHECKER), str(path)], capture_output=True, text=True, check=True, cwd=ROOT
    )

    problems = dict(zip(cards, json.loads(result.stdout), strict=True))
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("name", sorted(every_card()))
def test_every_card_is_schema_1_5_and_uses_only_our_verbs(name: str) -> None:
    card = every_card()[name]

    assert card["version"] == "1.5"
    for action in _actions(card):
        # A question opened in the card (Action.ShowCard) holds its own Execute buttons.
        assert action["type"] in ("Action.Execute", "Action.ShowCard")
        if action["type"] == "Action.Execute":
            assert action["verb"] in set(Verb)
        else:
            assert action["card"]["version"] == "1.5"


def test_user_text_is_only_ever_in_text_runs_which_are_never_markdown() -> None:
    for name, card in every_card().items():
        for node in nodes(card):
            if node.get("type") == "TextBlock":
                assert HOSTILE not in node["text"], name


def test_a_late_saved_answer_is_shown_and_can_no_longer_be_changed() -> None:
    card = week.circulation(pack(answered=True, past_deadline=True))

    texts = json.dumps(card)
    assert "(late)" in texts
    assert not [a for a in _actions(card) if a["verb"] == Verb.INFOCHECK_RECORD]


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in nodes(card) if str(n.get("type", "")).startswith("Action.")]


def test_a_way_back_out_of_a_form_sends_no_inputs_so_an_empty_required_box_cannot_block_it() -> (
    None
):
    backs = [
        (name, a)
        for name, card in every_card().items()
        for a in _actions(card)
        if str(a.get("title", "")).startswith("Back")
    ]
    assert {name for name, _ in backs} >= {
        "withdraw form",
        "direct allocation form",
        "outcome form",
    }
    for name, a in backs:
        assert a.get("associatedInputs") == "none", name


def test_an_overdue_card_for_someone_who_cannot_act_offers_no_buttons() -> None:
    nudge = MilestoneNudge(
        "demo", CASE, "EHM-1", "contact", "Contact the family", date(2027, 1, 6), "overdue"
    )
    offered = follow_up_cards.milestone(nudge)
    told = follow_up_cards.milestone(replace(nudge, acts=False, agency="Health"))

    assert [a["title"] for a in offered["actions"]] == [
        "Mark done",
        "Not possible",
        "Stuck: back to panel",
        "Step up",
        "Close the case",
    ]
    assert "actions" not in told
    assert "For Health to act on: ask them, or the chair." in texts_of(told)
