"""Panel day over HTTP, for each preset: start, sign-in and quorum, conflict, case cards,
votes (a deputy's, a double click, a replay, tampered targets, after close), ties with and
without a casting vote, outcomes, the tick list and the minutes. Every refusal leaves an
audit row, and no child's identity reaches a shared conversation or the logs."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.panel_bot import ALREADY_HANDLED
from cards.verbs import Verb
from panel.presets import PRESETS
from tests.bot.conftest import START
from tests.bot.teams import (
    ADELE,
    ALEX,
    CHANNEL,
    ISAIAH,
    LYNNE,
    MEGAN,
    PATTI,
    TEAM,
    TENANT,
    Card,
    Teams,
    chats_of,
    personal,
    teams_bot,
    texts_of,
)
from tests.bot.test_week_over_http import FORM, action_data, audit_rows
from tests.card_nodes import nodes
from tests.panel.world import CANARY_CHILD, CANARY_DOB

AGENCIES = ("Early Help", "Health", "Schools", "Police")


def config_for(preset: str) -> dict[str, Any]:
    """The demo's people and agencies on another preset's rules."""
    demo = yaml.safe_load(Path("config/demo.yaml").read_text(encoding="utf-8"))
    demo["panels"][0]["policy"] = {"preset": preset}
    demo["panels"][0]["name"] = f"{preset} panel"
    return dict(demo)


@pytest.fixture(params=sorted(PRESETS))
async def preset_teams(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Teams]:
    path = tmp_path / "panels.yaml"
    path.write_text(yaml.safe_dump(config_for(request.param)), encoding="utf-8")
    async with teams_bot(tmp_path, START, panel_config=str(path)) as bot:
        bot.preset = request.param  # type: ignore[attr-defined]
        yield bot


@dataclass
class Sitting:
    meeting: str
    cases: list[str]


async def prepare(teams: Teams, families: int = 2) -> Sitting:
    """Members say hello (so the bot can reach them), the team installs the bot; business
    support lists and screens families, freezes and circulates; agencies answer."""
    for person in (ALEX, MEGAN, ADELE, ISAIAH, PATTI, LYNNE):
        await teams.say(person, "hello")
    await teams.install_in_team()
    locality = PRESETS[teams.preset].localities[0]  # type: ignore[attr-defined]
    cases = []
    for n in range(families):
        listed = await teams.press(
            ALEX,
            Verb.CASE_REFER,
            {"panel": "demo", **FORM, "reference": f"EHM-30{n}", "locality": locality},
        )
        screen = action_data(listed, "Put on panel list")  # the one waiting for screening
        await teams.press(ALEX, Verb.CASE_SCREEN, screen)
        cases.append(str(screen["case"]))
    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})
    await teams.press(ALEX, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now"))
    await teams.deliver()
    meeting = str(action_data(frozen, "Circulate now")["meeting"])
    for person, leads in ((ADELE, True), (ISAIAH, True), (ALEX, False), (PATTI, True)):
        for case in cases:
            await teams.press(
                person,
                Verb.INFOCHECK_RECORD,
                {
                    "meeting": meeting,
                    "case": case,
                    f"known.{case}": "known",
                    f"could_lead.{case}": "true" if leads else "false",
                },
            )
    return Sitting(meeting, cases)


async def sign_in(teams: Teams, person: str, meeting: str, presence: str = "present") -> Card:
    return await teams.press(
        person, Verb.PANEL_SIGN_IN, {"meeting": meeting, "presence": presence, "accept": "true"}
    )


def ballots(teams: Teams, person: str) -> list[Card]:
    return [c for c in teams.cards_to(person) if "Vote: lead agency" in texts_of(c)]


async def vote(teams: Teams, person: str, choice: str, **extra: Any) -> str:
    data = action_data(ballots(teams, person)[-1], choice)
    return texts_of(await teams.press(person, Verb.VOTE_CAST, data, **extra))


async def refusals(teams: Teams) -> list[tuple[str, str]]:
    return [(r.action, r.reason) for r in await audit_rows(teams) if not r.allowed]


def outcome_code(teams: Teams) -> str:
    return next(o.code for o in PRESETS[teams.preset].outcomes if o.needs_lead)  # type: ignore[attr-defined]


def outcome_inputs(teams: Teams) -> dict[str, str]:
    """The first outcome with a lead, as the chair fills it in when the panel agreed it:
    its Team Around the Family where it needs one, and the checklist where it is required."""
    policy = PRESETS[teams.preset]  # type: ignore[attr-defined]
    option = policy.outcome(outcome_code(teams))
    inputs = {"outcome": option.code, "agreed": "true"}
    if option.needs_taf:
        inputs["taf"] = "Health"
    if policy.checklist_required:
        inputs |= {f"check{n}": "Yes" for n in range(1, len(policy.checklist) + 1)}
    return inputs


async def test_a_whole_panel_runs_from_teams(
    preset_teams: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    teams = preset_teams
    caplog.set_level(logging.DEBUG)
    sitting = await prepare(teams)
    first, second = sitting.cases
    meeting = sitting.meeting

    # The chair starts the panel a week early: asked first; then members are asked 1:1 to sign
    # in, and the console takes the question's place in the chat.
    await teams.say(MEGAN, "start panel")
    console_message = teams.connector.to(personal(MEGAN))[-1]
    question = console_message.cards[0]
    assert "Start the panel early?" in texts_of(question)
    assert "not today" in texts_of(question)
    await teams.deliver()
    assert not any("Sign in:" in texts_of(c) for c in teams.cards_to(ADELE))
    console = await teams.press(
        MEGAN,
        Verb.PANEL_START,
        action_data(question, "Start the panel now"),
        in_message=console_message.teams_id,
    )
    await teams.deliver()
    assert "The panel has started" in texts_of(console)
    assert any("Sign in:" in texts_of(c) for c in teams.cards_to(ADELE))

    # Not quorate yet: the vote cannot open.
    refused = await teams.press(MEGAN, Verb.VOTE_OPEN, {"meeting": meeting, "case": first})
    assert "not quorate" in texts_of(refused)
    assert ("vote.open", "NotQuorate") in await refusals(teams)

    # Sign-in needs the confidentiality statement; a deputy signs in for Police.
    unaccepted = await teams.press(
        ADELE, Verb.PANEL_SIGN_IN, {"meeting": meeting, "presence": "present", "accept": "false"}
    )
    assert "Accept the confidentiality statement" in texts_of(unaccepted)
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, meeting)
    apologised = await sign_in(teams, PATTI, meeting, "apologies")
    # Told what they will and will not receive, not promised case cards they will not get.
    assert "You will not be sent case cards or ballots. The minutes will be sent" in texts_of(
        apologised
    )
    signed = await sign_in(teams, LYNNE, meeting, "deputy")
    assert "Quorate" in texts_of(signed)
    # The chair's console caught up in place, without the chair pressing anything.
    await teams.deliver()
    live = teams.connector.latest(personal(MEGAN), console_message.teams_id)
    assert live is not None
    assert "Present: Early Help, Health, Police (deputy), Schools." in texts_of(live)
    assert "Apologies: Police." in texts_of(live)

    # Early Help knows the first family: it is excluded from that vote.
    await teams.press(ALEX, Verb.CONFLICT_DECLARE, {"meeting": meeting, "case": first})

    # The chair opens the case: case cards 1:1 to the four people present and the chair, and
    # its papers on the console: each agency's answer, who offered to lead, the conflict.
    opened = await teams.press(
        MEGAN,
        Verb.CASE_OPEN,
        {"meeting": meeting, "case": first},
        in_message=console_message.teams_id,
    )
    assert "Case card sent 1:1 to 4 members present, and to you." in texts_of(opened)
    assert re.search(r"In hand: item \d, EHM-300", texts_of(opened))
    assert "Health: Known to us; could lead" in texts_of(opened)
    assert "Offered to lead: Health, Police, Schools." in texts_of(opened)
    assert "Conflicts declared: Early Help (will not vote)." in texts_of(opened)
    await teams.deliver()
    [chairs_copy] = [
        c for c in teams.cards_to(MEGAN) if re.search(r"Item \d: EHM-300", texts_of(c))
    ]
    assert "I know this family personally" not in texts_of(chairs_copy)  # no agency of hers
    tampered = await teams.press(MEGAN, Verb.CASE_OPEN, {"meeting": meeting, "case": "f" * 32})
    assert "not on this panel's agenda" in texts_of(tampered)
    assert ("case.open", "NotFound") in await refusals(teams)

    # The vote: ballots to the eligible agencies only; a deputy votes for Police.
    called = await teams.press(MEGAN, Verb.VOTE_OPEN, {"meeting": meeting, "case": first})
    assert "3 agencies may vote" in texts_of(called)
    stale = await teams.press(MEGAN, Verb.VOTE_OPEN, {"meeting": meeting, "case": first})
    assert "A vote on item" in texts_of(stale)  # pressed again: the vote as it stands
    assert "is already open: 0 of 3 voted." in texts_of(stale)
    await teams.deliver()
    assert ballots(teams, ALEX) == []  # conflicted
    assert "recorded, on behalf of Police" in await vote(teams, LYNNE, "Health")
    await teams.deliver()
    live = teams.connector.latest(personal(MEGAN), console_message.teams_id)
    assert live is not None
    assert "Votes cast: 1 of 3." in texts_of(live)
    assert "recorded, on behalf of Health" in await vote(
        teams, ADELE, "Health", activity_id="adele-vote"
    )
    assert "stands" in await vote(teams, ADELE, "Health")  # a double click
    replay = await vote(teams, ADELE, "Health", activity_id="adele-vote")  # Teams re-delivers
    assert ALREADY_HANDLED in replay
    ballot = action_data(ballots(teams, ISAIAH)[-1], "Health")
    wrong_target = await teams.press(ISAIAH, Verb.VOTE_CAST, {**ballot, "choice": "Housing"})
    assert "not one of the choices" in texts_of(wrong_target)
    wrong_round = await teams.press(ISAIAH, Verb.VOTE_CAST, {**ballot, "round": "f" * 32})
    assert "does not belong to this panel" in texts_of(wrong_round)
    conflicted = await teams.press(ALEX, Verb.VOTE_CAST, ballot)
    assert "cannot vote on this case" in texts_of(conflicted)
    # The last eligible vote closes the round; the chair is told the result.
    await vote(teams, ISAIAH, "Schools")
    await teams.deliver()
    after_close = await teams.press(ISAIAH, Verb.VOTE_CAST, ballot)
    assert "Voting is closed" in texts_of(after_close)
    result = texts_of(teams.connector.to(personal(MEGAN))[-1].cards[0])
    assert "Health leads (Health 2, Schools 1)" in result
    assert ("vote.cast", "VoteRejected") in await refusals(teams)
    assert ("activity.replay", "Replayed") in await refusals(teams)
    assert ("vote.cast", "Duplicate") in await refusals(teams)

    # The outcome: lead Health; allocation to Health, the tick list to business support.
    form = await teams.press(MEGAN, Verb.OUTCOME_FORM, {"meeting": meeting, "case": first})
    assert "Health leads" in texts_of(form)
    recorded = await teams.press(
        MEGAN,
        Verb.OUTCOME_RECORD,
        {
            "meeting": meeting,
            "case": first,
            **outcome_inputs(teams),
            "lead": "Health",
            "taf": "Health,Schools,Police",
            "taf_within": "10",
            "action1_owner": "Health",
            "action1_text": "Contact the family",
            "action1_due": "2026-12-26",  # Boxing Day, a Saturday: due Tuesday 29th
            "rationale": "Health knows the family best.",
        },
    )
    assert "Outcome recorded for item" in texts_of(recorded)
    await teams.deliver()
    assert any("New allocation" in texts_of(c) for c in teams.cards_to(ADELE))
    # Everyone concerned hears it: each voter the result, the action's owner the action, and
    # an agency named in the Team Around the Family though it sent apologies.
    for voter in (ADELE, ISAIAH, LYNNE):
        assert any(
            "Vote on case EHM-300 closed: Health leads" in str(s.activity)
            for s in teams.connector.sent
            if s.conversation_id in chats_of(voter)
        ), voter
    action_card = next(c for c in teams.cards_to(ADELE) if "Action for Health" in texts_of(c))
    assert "Contact the family" in texts_of(action_card)
    assert "due Tuesday 29 December 2026" in texts_of(action_card)
    assert any("Police is named in it" in texts_of(c) for c in teams.cards_to(PATTI))
    assert (
        not [  # only the chair's result card offers the chair's console
            c for c in teams.cards_to(ADELE) if "Open the console" in texts_of(c)
        ]
    )
    tick = next(c for c in teams.cards_to(ALEX) if "Record on the case system" in texts_of(c))
    ticked = await teams.press(
        ALEX, Verb.OUTCOME_RECORDED, action_data(tick, "Recorded on the case system")
    )
    assert "Ticked" in texts_of(ticked)

    # The second case: a 2-2 tie. With a casting vote the chair decides; without, it escalates.
    await teams.press(MEGAN, Verb.CASE_OPEN, {"meeting": meeting, "case": second})
    await teams.press(MEGAN, Verb.VOTE_OPEN, {"meeting": meeting, "case": second})
    await teams.deliver()
    for person, choice in (
        (ALEX, "Health"),
        (ADELE, "Health"),
        (ISAIAH, "Police"),
        (LYNNE, "Police"),
    ):
        await vote(teams, person, choice)
    console_after_tie = await teams.press(MEGAN, Verb.PANEL_CONSOLE, {"meeting": meeting})
    assert "Present: Early Help, Health, Police (deputy), Schools." in texts_of(console_after_tie)
    assert "Apologies: Police." in texts_of(console_after_tie)
    policy = PRESETS[teams.preset]  # type: ignore[attr-defined]
    if policy.chair_casting_vote:
        assert "the chair has the casting vote" in texts_of(console_after_tie)
        cast = action_data(console_after_tie, "Casting vote: Police")
        decided = await teams.press(MEGAN, Verb.VOTE_CASTING, cast)
        assert "Police leads, on the chair's casting vote" in texts_of(decided)
        again = await teams.press(MEGAN, Verb.VOTE_CASTING, cast)  # a stale console's button
        assert "Police leads, on the chair's casting vote" in texts_of(again)
    else:
        assert "escalated" in texts_of(console_after_tie)
        assert policy.escalation_route in texts_of(console_after_tie)

    # Any other business, noted by the chair, goes in the minutes (1:1 only).
    noted = await teams.press(
        MEGAN, Verb.PANEL_AOB, {"meeting": meeting, "aob_text": "Next panel moves to Room 2"}
    )
    assert "Noted for the minutes (1)." in texts_of(noted)

    # Close: asked first, as the second case has no outcome; nothing closes until confirmed.
    asked = await teams.press(MEGAN, Verb.PANEL_CLOSE, {"meeting": meeting})
    assert "Close the panel with 1 item not reached? It rolls to the panel on" in texts_of(asked)
    await teams.deliver()
    assert not [c for c in teams.cards_to(ADELE) if "Minutes:" in texts_of(c)]
    # Confirmed, the second case rolls over; minutes go 1:1 to those who attended.
    closed = await teams.press(MEGAN, Verb.PANEL_CLOSE, action_data(asked, "Yes, close the panel"))
    assert "Panel closed: 1 decision" in texts_of(closed)
    assert "EHM-301** · New referral" in texts_of(closed)
    assert "not reached: rolled to the next panel" in texts_of(closed)
    await teams.deliver()
    minutes = [c for c in teams.cards_to(ADELE) if "Minutes:" in texts_of(c)]
    assert len(minutes) == 1
    assert "EHM-300" in texts_of(minutes[0])
    assert "Health 2, Schools 1" in texts_of(minutes[0])
    assert "Contact the family by Tuesday 29 December 2026" in texts_of(minutes[0])
    assert "Next panel moves to Room 2" in texts_of(minutes[0])
    # The formal record: who sat and for whom, apologies, absences; each item's section,
    # conflicts, how the lead was chosen, Team Around the Family, rationale; what rolled over.
    minuted = texts_of(minutes[0])
    assert "Chair: Megan Bowen. The panel sat at" in minuted
    assert "Lynne Robbins (Police, deputy for Patti Fernandez)" in minuted
    assert "Apologies: Patti Fernandez (Police)." in minuted
    assert "Absent without apologies: Housing." in minuted
    assert "· New referral" in minuted
    assert "Conflicts declared: Early Help." in minuted
    assert "How the lead was chosen: Health leads (Health 2, Schools 1)." in minuted
    assert (
        "Team Around the Family: Health, Schools, Police. First meeting within 10 working days"
        in minuted
    )
    assert "Health knows the family best." in minuted
    assert re.search(r"Not reached, rolled to the panel on \w+day", minuted)
    # Sent to everyone on the panel: the chair, business support, a member who sent apologies.
    for person in (MEGAN, ALEX, PATTI):
        assert [c for c in teams.cards_to(person) if "Minutes:" in texts_of(c)], person
    # Closed a week early: business support's agenda moves on to the next sitting.
    agenda_after = await teams.press(ALEX, Verb.AGENDA_VIEW, {"panel": "demo"})
    assert "Provisional: this is what would freeze now." in texts_of(agenda_after)
    assert "This panel has closed." not in texts_of(agenda_after)

    # No child identity in any shared conversation, nor in the logs.
    shared = [s for s in teams.connector.sent if not s.conversation_id.startswith("a:")]
    assert shared
    for sent in shared:
        assert CANARY_CHILD not in str(sent.activity)
        assert CANARY_DOB.isoformat() not in str(sent.activity)
    assert any(CANARY_CHILD in str(s.activity) for s in teams.connector.sent)
    assert CANARY_CHILD not in caplog.text


async def test_the_shared_agenda_shows_numbers_and_states_but_no_case(teams: Teams) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams)
    where = {"conversation": CHANNEL, "conversation_type": "channel", "team": TEAM}
    await teams.say(MEGAN, "start panel", **where)
    early = teams.connector.to(CHANNEL)[-1]  # a week early: not started from a channel

    teams.now(2026, 12, 8, 9, 30)  # the panel's day
    await teams.say(MEGAN, "start panel", **where)
    shared = teams.connector.to(CHANNEL)[-1].cards[0]
    refreshed = await teams.press(ADELE, Verb.PANEL_SHARED, {"panel": "demo"}, **where)
    voting = await teams.invoke(
        MEGAN, Verb.VOTE_OPEN, {"meeting": sitting.meeting, "case": sitting.cases[0]}, **where
    )

    assert "To start it early, type start panel in your 1:1 chat" in str(early.activity)
    assert "1. New referral: waiting" in texts_of(shared)
    assert "EHM-300" not in texts_of(shared)
    assert CANARY_CHILD not in str(shared)
    assert "Not quorate" in texts_of(refreshed)
    assert "only do that in our 1:1 chat" in texts_of(voting[1]["value"])


async def test_only_the_chair_starts_the_panel_or_calls_a_vote(teams: Teams) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams)

    start = await teams.press(ADELE, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    call = await teams.press(
        ADELE, Verb.VOTE_OPEN, {"meeting": sitting.meeting, "case": sitting.cases[0]}
    )

    assert "Only the chair can do that." in texts_of(start)
    assert "Only the chair" in texts_of(call)
    assert ("panel.start", "NotPermitted") in await refusals(teams)
    assert ("vote.open", "NotPermitted") in await refusals(teams)
    assert TENANT


async def test_teams_meeting_events_show_the_agenda_and_prompt_late_joiners(
    teams: Teams,
) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    await prepare(teams)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    await teams.deliver()
    meeting_chat = {"conversation": "19:meeting_abc@thread.v2", "conversation_type": "groupChat"}
    prompts_before = [c for c in teams.cards_to(ISAIAH) if "Sign in:" in texts_of(c)]

    start = teams.activity(
        MEGAN, "event", name="application/vnd.microsoft.meetingStart", **meeting_chat
    )
    join = teams.activity(
        MEGAN,
        "event",
        name="application/vnd.microsoft.meetingParticipantJoin",
        value={"members": [{"user": {"aadObjectId": ISAIAH}}]},
        **meeting_chat,
    )
    await teams.client.post("/api/messages", json=start)
    await teams.client.post("/api/messages", json=join)
    await teams.deliver()

    agenda = teams.connector.to("19:meeting_abc@thread.v2")[-1].cards[0]
    assert "Panel in session" in texts_of(agenda)
    assert "EHM-300" not in texts_of(agenda)
    prompts_after = [c for c in teams.cards_to(ISAIAH) if "Sign in:" in texts_of(c)]
    assert len(prompts_after) == len(prompts_before) + 1


async def test_the_chair_adds_a_stuck_case_on_the_day_and_members_see_it_when_opened(
    teams: Teams,
) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams, families=1)
    stuck = await teams.press(
        ALEX,
        Verb.CASE_REFER,
        {"panel": "demo", **FORM, "reference": "EHM-STUCK", "route": "stuck"},
    )
    await teams.press(ALEX, Verb.CASE_SCREEN, action_data(stuck, "Put on panel list"))
    console = await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, sitting.meeting)

    added = await teams.press(
        MEGAN, Verb.AGENDA_ADD, action_data(console, "Add EHM-STUCK (stuck case)")
    )
    again = await teams.press(
        MEGAN, Verb.AGENDA_ADD, action_data(console, "Add EHM-STUCK (stuck case)")
    )

    assert "Added as item 2." in texts_of(added)
    assert "2. EHM-STUCK" in texts_of(added)
    assert "Added as item 2." in texts_of(again)  # a double click adds it once
    case = action_data(added, "Open", 1)  # one button per item: the second item's
    opened = await teams.press(MEGAN, Verb.CASE_OPEN, case)
    await teams.deliver()
    assert "Case card sent 1:1 to 3 members present, and to you." in texts_of(opened)
    assert "In hand: item 2, EHM-STUCK" in texts_of(opened)
    assert any("EHM-STUCK" in texts_of(c) for c in teams.cards_to(ISAIAH))


async def one_case_open(teams: Teams) -> tuple[Sitting, dict[str, str]]:
    """Barnet, one family: the panel started, Early Help, Health and Schools signed in, the
    case opened. The sitting, and the refs a button on the case carries."""
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams, families=1)
    [case] = sitting.cases
    ids = {"meeting": sitting.meeting, "case": case}
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, sitting.meeting)
    await teams.press(MEGAN, Verb.CASE_OPEN, ids)
    return sitting, ids


async def test_the_chair_reopens_a_vote_and_changes_an_outcome_and_those_told_hear_why(
    teams: Teams,
) -> None:
    sitting, ids = await one_case_open(teams)
    await teams.press(MEGAN, Verb.VOTE_OPEN, ids)
    await teams.deliver()
    for person, choice in ((ADELE, "Health"), (ISAIAH, "Schools"), (ALEX, "Health")):
        await vote(teams, person, choice)  # the last vote closes the round: Health leads

    # Re-opening asks why; without a reason nothing happens.
    form = await teams.press(MEGAN, Verb.VOTE_REOPEN, ids)
    assert "Re-open the vote on item 1: EHM-300" in texts_of(form)
    blank = await teams.press(MEGAN, Verb.VOTE_REOPEN, {**ids, "reopen_reason": " "})
    assert "Say why" in texts_of(blank)
    reopened = await teams.press(
        MEGAN, Verb.VOTE_REOPEN, {**ids, "reopen_reason": "Schools had not **heard** the case"}
    )
    assert "Vote re-opened (round 2)" in texts_of(reopened)
    await teams.deliver()
    # Everyone told the first result hears it no longer stands, and why, as typed.
    told = [c for c in teams.cards_to(ISAIAH) if "Correction: case EHM-300" in texts_of(c)]
    assert len(told) == 1
    assert "The vote was re-opened; its earlier result no longer stands: Health leads" in texts_of(
        told[0]
    )
    assert "Schools had not **heard** the case" in texts_of(told[0])
    for person in (ADELE, ISAIAH, ALEX):
        await vote(teams, person, "Schools")  # round 2: Schools leads

    recorded = await teams.press(
        MEGAN,
        Verb.OUTCOME_RECORD,
        {
            **ids,
            "outcome": "eha",
            "lead": "Schools",
            "taf": "Schools",
            "rationale": "Schools sees him daily.",
        },
    )
    assert "Outcome recorded for item 1." in texts_of(recorded)
    # Changing it shows the recorded outcome, and asks why.
    change = await teams.press(MEGAN, Verb.OUTCOME_FORM, ids)
    assert "Change the outcome for item 1" in texts_of(change)
    [rationale] = [n for n in nodes(change) if n.get("id") == "rationale"]
    assert rationale["value"] == "Schools sees him daily."
    changed_inputs = {**ids, "outcome": "universal-plus", "lead": "Schools"}
    unexplained = await teams.press(MEGAN, Verb.OUTCOME_RECORD, changed_inputs)
    assert "Say why" in texts_of(unexplained)
    changed = await teams.press(
        MEGAN, Verb.OUTCOME_RECORD, {**changed_inputs, "change_reason": "Needs are lower."}
    )
    assert "Outcome changed for item 1." in texts_of(changed)
    assert "Initiate a Universal Plus intervention; lead Schools" in texts_of(changed)
    await teams.deliver()
    correction = [c for c in teams.cards_to(ADELE) if "The outcome was changed from" in texts_of(c)]
    assert len(correction) == 1
    assert "Needs are lower." in texts_of(correction[0])
    # The new outcome reaches the lead again, as a message of its own.
    allocations = [c for c in teams.cards_to(ISAIAH) if "New allocation" in texts_of(c)]
    assert len(allocations) == 2
    rows = [(r.action, r.allowed) for r in await audit_rows(teams)]
    assert ("vote.reopen", True) in rows
    assert ("outcome.change", True) in rows

    # The minutes carry both corrections with their reasons.
    await teams.press(MEGAN, Verb.PANEL_CLOSE, {"meeting": sitting.meeting, "confirm": "yes"})
    await teams.deliver()
    [minutes] = [c for c in teams.cards_to(ADELE) if "Minutes:" in texts_of(c)]
    assert "Schools had not **heard** the case" in texts_of(minutes)
    assert "Why: Needs are lower." in texts_of(minutes)


async def test_a_conflict_is_asked_about_first_and_can_be_withdrawn_until_the_vote_opens(
    teams: Teams,
) -> None:
    sitting, ids = await one_case_open(teams)
    await teams.deliver()
    [card] = [c for c in teams.cards_to(ALEX) if "What each agency said" in texts_of(c)]
    # The button opens the question in the card; only its answer declares.
    assert "Declare a conflict of interest on this case?" in texts_of(card)

    declared = await teams.press(
        ALEX, Verb.CONFLICT_DECLARE, action_data(card, "Declare a conflict")
    )
    assert "Conflict declared: Early Help will not vote on this case." in texts_of(declared)
    assert "EHM-300" in texts_of(declared)  # the case card again, not a bare message
    console = await teams.press(MEGAN, Verb.PANEL_CONSOLE, {"meeting": sitting.meeting})
    assert "Conflicts declared: Early Help (will not vote)." in texts_of(console)

    withdrawn = await teams.press(
        ALEX, Verb.CONFLICT_WITHDRAW, action_data(declared, "Withdraw my conflict")
    )
    assert "Conflict withdrawn: Early Help can vote on this case." in texts_of(withdrawn)
    console = await teams.press(MEGAN, Verb.PANEL_CONSOLE, {"meeting": sitting.meeting})
    assert "No conflicts declared." in texts_of(console)

    await teams.press(ALEX, Verb.CONFLICT_DECLARE, ids)
    await teams.press(MEGAN, Verb.VOTE_OPEN, ids)
    too_late = await teams.press(ALEX, Verb.CONFLICT_WITHDRAW, ids)
    assert "The vote on this case has opened, so the conflict stands." in texts_of(too_late)
    rows = [(r.action, r.allowed) for r in await audit_rows(teams)]
    assert ("conflict.withdraw", True) in rows
    assert ("conflict.withdraw", False) in rows
