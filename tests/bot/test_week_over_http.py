"""The week before a panel, driven over HTTP as Teams would: intake, screening, the freeze and
circulation on the scheduler's clock, info-checks and capacity, readiness and reminders."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app import SCHEDULER, STORE
from bot.panel_bot import ALREADY_HANDLED, NO_IDENTITY, PRIVATE_ONLY
from cards.verbs import Verb
from storage import schema
from tests.bot.teams import (
    ADELE,
    ALEX,
    CHANNEL,
    ISAIAH,
    LYNNE,
    MEGAN,
    PATTI,
    TEAM,
    Card,
    Teams,
    personal,
    texts_of,
)
from tests.card_nodes import nodes
from tests.panel.world import CANARY_CHILD, CANARY_DOB

FORM = {
    "safeguarding": "false",
    "reference": "EHM-1001",
    "locality": "South",
    "route": "new-referral",
    "child1_name": CANARY_CHILD,
    "child1_dob": CANARY_DOB.isoformat(),
    "family1_name": "Parent Canary",
    "family1_rel": "mother",
    "needs": "School attendance; *bold* [link](http://x) <at>Someone</at>",
    "consent_by": "Parent Canary",
    "consent_on": "2026-11-30",
}


def action_data(card: Card, title: str, index: int = 0) -> dict[str, Any]:
    """The data of the `index`-th Action.Execute titled `title` anywhere on the card."""
    found = [
        n["data"]
        for n in nodes(card)
        if n.get("type") == "Action.Execute" and n.get("title") == title
    ]
    assert len(found) > index, f"no {title!r} button on the card"
    return dict(found[index])


async def list_family(teams: Teams, **changes: str) -> str:
    """Alex lists and screens a family; the case id from the list card's buttons. A minute
    passes, so families listed one after another wait in that order."""
    teams.clock.advance(timedelta(minutes=1))
    card = await teams.press(ALEX, Verb.CASE_REFER, {"panel": "demo", **FORM, **changes})
    assert "Recorded" in texts_of(card), texts_of(card)
    data = action_data(card, "Put on panel list")
    listed = await teams.press(ALEX, Verb.CASE_SCREEN, data)
    assert "listed for the panel on " in texts_of(listed)
    return str(data["case"])


async def audit_rows(teams: Teams) -> list[Any]:
    async with teams.app[STORE].engine.connect() as conn:
        return list((await conn.execute(select(schema.audit_log))).all())


async def circulated(teams: Teams, *failures: tuple[int, dict[str, str]]) -> str:
    """List one family, say hello from some members, install in the team, then run the
    scheduler at circulation time, Teams answering the first sends with `failures`. Returns
    the case id."""
    case_id = await list_family(teams)
    for person in (ADELE, ISAIAH, MEGAN):
        await teams.say(person, "hello")
    await teams.install_in_team()
    teams.connector.failures = list(failures)
    teams.now(2026, 12, 2, 14, 0)
    await teams.app[SCHEDULER].run("demo")
    await teams.deliver()
    return case_id


async def test_business_support_lists_a_family_and_sees_it_waiting_for_screening(
    teams: Teams,
) -> None:
    card = await teams.press(ALEX, Verb.CASE_REFER, {"panel": "demo", **FORM})

    text = texts_of(card)
    assert "Recorded EHM-1001" in text
    assert "waiting for screening" in text
    assert CANARY_CHILD in text  # a 1:1 card to staff may name the child


async def test_a_referral_without_consent_comes_back_with_what_was_typed(teams: Teams) -> None:
    card = await teams.press(
        ALEX, Verb.CASE_REFER, {"panel": "demo", **FORM, "consent_by": "", "consent_on": ""}
    )

    text = texts_of(card)
    assert "needs their consent" in text
    assert "EHM-1001" in text  # the form is refilled
    assert (await teams.press(ALEX, Verb.CASE_LIST, {"panel": "demo"}))["body"][1:] == [
        {
            "type": "TextBlock",
            "text": "No cases are waiting. Use 'List a family' to add one.",
            "isSubtle": True,
            "wrap": True,
        }
    ]


async def test_a_safeguarding_concern_is_redirected_to_the_mash_and_not_stored(
    teams: Teams,
) -> None:
    card = await teams.press(
        ALEX, Verb.CASE_REFER, {"panel": "demo", **FORM, "safeguarding": "true"}
    )

    assert "referred immediately to the MASH" in texts_of(card)
    assert "Contact: MASH duty line 020 7946 0000" in texts_of(card)  # from the configuration
    listing = await teams.press(ALEX, Verb.CASE_LIST, {"panel": "demo"})
    assert "EHM-1001" not in texts_of(listing)


async def test_a_member_cannot_list_a_family(teams: Teams) -> None:
    card = await teams.press(ADELE, Verb.CASE_REFER, {"panel": "demo", **FORM})

    assert "Only the chair or business support" in texts_of(card)
    refusals = [r for r in await audit_rows(teams) if not r.allowed]
    assert (ADELE, "case.refer", "NotPermitted") in [
        (r.actor, r.action, r.reason) for r in refusals
    ]


async def test_business_support_edits_a_listed_case_and_withdraws_another(teams: Teams) -> None:
    first = await list_family(teams)
    second = await list_family(teams, reference="EHM-1002")

    form = await teams.press(ALEX, Verb.CASE_EDIT_FORM, {"panel": "demo", "case": first})
    assert "EHM-1001" in texts_of(form)
    edited = await teams.press(
        ALEX, Verb.CASE_EDIT, {"panel": "demo", "case": first, **FORM, "locality": "West"}
    )
    withdrawn = await teams.press(
        ALEX, Verb.CASE_WITHDRAW, {"panel": "demo", "case": second, f"reason.{second}": "Moved"}
    )

    assert "Changes saved." in texts_of(edited)
    assert "**EHM-1001** · West" in texts_of(edited)
    assert "Case withdrawn: EHM-1002." in texts_of(withdrawn)
    assert "**EHM-1002**" not in texts_of(withdrawn)  # no longer a line on the list


async def test_the_scheduler_freezes_and_circulates_once_and_members_get_the_list_one_to_one(
    teams: Teams,
) -> None:
    case_id = await circulated(teams)
    await teams.app[SCHEDULER].run("demo")
    sent_again = await teams.deliver()

    for person in (ADELE, ISAIAH, ALEX):
        cards = [c for c in teams.cards_to(person) if "Please answer each" in texts_of(c)]
        assert len(cards) == 1, person
        assert "EHM-1001" in texts_of(cards[0])
        assert CANARY_CHILD in texts_of(cards[0])
        assert action_data(cards[0], "Answer")["case"] == case_id
    assert sent_again == 0
    notices = teams.connector.to(CHANNEL)
    assert len(notices) == 1
    assert "1 cases" in texts_of(notices[0].cards[0])


async def test_a_member_with_no_chat_yet_is_reached_through_the_team_roster(
    teams: Teams,
) -> None:
    await circulated(teams)

    assert any(c["members"][0]["id"] == f"29:{PATTI}" for c in teams.connector.created)
    assert any("Please answer each" in texts_of(c) for c in teams.cards_to(PATTI))


async def test_a_member_saves_an_info_check_and_sees_the_saved_answer(teams: Teams) -> None:
    case_id = await circulated(teams)

    card = await teams.press(
        ADELE,
        Verb.INFOCHECK_RECORD,
        {
            "meeting": action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"],
            "case": case_id,
            f"known.{case_id}": "known",
            f"information.{case_id}": "Health visitor involved *since* 2024",
            f"could_lead.{case_id}": "true",
        },
    )

    text = texts_of(card)
    assert "Answer saved." in text
    assert "Known to us; could lead" in text
    assert "Health visitor involved *since* 2024" in text  # literally, in a TextRun
    runs = [i for b in nodes(card) if b.get("type") == "RichTextBlock" for i in b["inlines"]]
    assert {"type": "TextRun", "text": "Health visitor involved *since* 2024"} in runs


async def test_after_the_deadline_a_first_answer_is_taken_late_and_a_saved_one_stands(
    teams: Teams,
) -> None:
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]
    answer = {"meeting": meeting, "case": case_id, f"known.{case_id}": "checking"}
    await teams.press(ISAIAH, Verb.INFOCHECK_RECORD, answer)

    teams.now(2026, 12, 8, 9, 10)  # Barnet's answers are due at 09:00 on the panel's morning
    late = await teams.press(ADELE, Verb.INFOCHECK_RECORD, answer)
    changed = await teams.press(
        ISAIAH, Verb.INFOCHECK_RECORD, {**answer, f"known.{case_id}": "known"}
    )

    assert "(late)" in texts_of(late)
    assert "your answer stands" in texts_of(changed)
    assert "Still checking" in texts_of(changed)


async def test_capacity_is_saved_and_nonsense_is_refused_plainly(teams: Teams) -> None:
    await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Save capacity")["meeting"]

    saved = await teams.press(ADELE, Verb.CAPACITY_RECORD, {"meeting": meeting, "capacity": "2"})
    refused = await teams.press(
        ADELE, Verb.CAPACITY_RECORD, {"meeting": meeting, "capacity": "2.5"}
    )

    assert "Capacity saved: your agency can lead 2 new cases" in texts_of(saved)
    assert "whole number" in texts_of(refused)


async def test_the_chair_sees_readiness_and_reminds_the_agencies_still_missing(
    teams: Teams,
) -> None:
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]
    await teams.press(
        ADELE,
        Verb.INFOCHECK_RECORD,
        {"meeting": meeting, "case": case_id, f"known.{case_id}": "known"},
    )

    await teams.say(MEGAN, "readiness")
    grid = teams.connector.to(personal(MEGAN))[-1].cards[0]
    reminded = await teams.press(MEGAN, Verb.REMINDERS_SEND, {"panel": "demo", "meeting": meeting})
    double_click = await teams.press(
        MEGAN, Verb.REMINDERS_SEND, {"panel": "demo", "meeting": meeting}
    )
    await teams.deliver()

    # Health answered its case but gave no capacity: said as such, not "missing" (issue 13).
    assert "No answer yet from: Early Help, Police, Schools." in texts_of(grid)
    assert "No capacity yet from: Early Help, Health, Police, Schools." in texts_of(grid)
    assert "Health: 1 of 1 case answered; no capacity yet" in texts_of(grid)
    assert "Information checks are due by Tuesday 8 December 2026 at 09:00" in texts_of(grid)
    assert "Reminders queued for 5 members; the chair is told" in texts_of(reminded)
    assert "The latest reminder for the panel on Tuesday 8 December 2026" in texts_of(reminded)
    assert "Nobody needed reminding just now." in texts_of(double_click)
    assert any("Reminder:" in texts_of(c) for c in teams.cards_to(ISAIAH))
    assert any("Still missing" in texts_of(c) for c in teams.cards_to(MEGAN))


async def test_a_member_cannot_see_readiness_or_freeze(teams: Teams) -> None:
    await list_family(teams)

    frozen = await teams.press(ADELE, Verb.AGENDA_FREEZE, {"panel": "demo"})

    assert "Only the chair or business support" in texts_of(frozen)


async def test_freeze_now_rolls_overflow_and_a_second_press_changes_nothing(teams: Teams) -> None:
    for n in range(6):
        await list_family(teams, reference=f"EHM-20{n}")

    first = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})
    second = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})

    assert "Agenda frozen: 5 cases; 1 rolled over" in texts_of(first)
    assert "Overflow: EHM-205" in texts_of(first)
    assert texts_of(second).count("Overflow: EHM-205") == 1
    assert any("Case EHM-205" in t for t in teams.connector.texts) is False  # not sent yet
    await teams.deliver()
    assert any("EHM-205" in texts_of(c) for c in teams.cards_to(ALEX))


async def test_a_replayed_activity_is_processed_once_and_audited(teams: Teams) -> None:
    data = {"panel": "demo", **FORM}
    first = await teams.press(ALEX, Verb.CASE_REFER, data, activity_id="same-id")
    replay = await teams.press(ALEX, Verb.CASE_REFER, data, activity_id="same-id")

    assert "Recorded EHM-1001" in texts_of(first)
    assert ALREADY_HANDLED in texts_of(replay)
    assert texts_of(replay).count("EHM-1001") == 1
    refusals = [(r.action, r.reason) for r in await audit_rows(teams) if not r.allowed]
    assert refusals == [("activity.replay", "Replayed")]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"panel": "demo", "role": "chair"}, "a field our cards do not have"),
        ({"panel": "../etc"}, "not one of ours"),
        ({"panel": {"id": "demo"}}, "not text"),
        ({"panel": "demo", "reference": "x" * 3000}, "too long"),
    ],
)
async def test_tampered_card_data_is_refused_and_audited(
    teams: Teams, data: dict[str, Any], why: str
) -> None:
    card = await teams.press(ALEX, Verb.CASE_REFER, data)

    assert why in texts_of(card)
    refusals = [(r.action, r.reason) for r in await audit_rows(teams) if not r.allowed]
    assert refusals == [("card.action", "Tampered")]


async def test_an_unknown_verb_is_refused(teams: Teams) -> None:
    card = await teams.press(ALEX, "vote.cast-for-everyone", {"panel": "demo"})

    assert "does not do" in texts_of(card)


async def test_an_info_check_for_a_case_of_another_sitting_is_refused(teams: Teams) -> None:
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]
    other = "f" * 32

    card = await teams.press(
        ADELE, Verb.INFOCHECK_RECORD, {"meeting": meeting, "case": other, f"known.{other}": "known"}
    )

    assert "not on this panel's agenda" in texts_of(card)
    assert case_id != other


async def test_in_a_channel_the_agenda_is_numbers_only_and_case_commands_are_refused(
    teams: Teams,
) -> None:
    await list_family(teams)
    where = {"conversation": CHANNEL, "conversation_type": "channel", "team": TEAM}

    await teams.say(MEGAN, "agenda", **where)
    await teams.say(MEGAN, "cases", **where)
    status, body = await teams.invoke(MEGAN, Verb.CASE_LIST, {"panel": "demo"}, **where)

    replies = teams.connector.to(CHANNEL)
    assert "1 case on the agenda so far" in texts_of(replies[0].cards[0])
    assert "EHM-1001" not in texts_of(replies[0].cards[0])
    assert replies[1].activity["text"] == PRIVATE_ONLY
    assert status == 200
    assert PRIVATE_ONLY in texts_of(body["value"])


async def test_a_user_without_an_aad_object_id_is_refused(teams: Teams) -> None:
    await teams.say(None, "cases")

    assert teams.connector.texts == [""]
    assert NO_IDENTITY in texts_of(teams.connector.sent[0].cards[0])


async def test_another_tenant_is_refused_before_any_handler(teams: Teams) -> None:
    response = await teams.say(ALEX, "help", tenant="11111111-1111-1111-1111-111111111111")

    assert response.status == 403
    assert teams.connector.sent == []


async def test_my_tasks_tells_a_member_what_to_answer(teams: Teams) -> None:
    await circulated(teams)

    await teams.say(ISAIAH, "my tasks")

    await teams.say(ALEX, "my tasks")

    card = teams.connector.to(personal(ISAIAH))[-1].cards[0]
    assert (
        "1 case to answer for your agency's information check, by Tuesday 8 December 2026 at 09:00."
    ) in texts_of(card)
    assert (
        "Your agency's capacity to give (how many new cases it can lead), by Tuesday"
        in texts_of(card)
    )
    assert action_data(card, "Open my cases")
    staff = texts_of(teams.connector.to(personal(ALEX))[-1].cards[0])
    assert "4 agencies still to finish their information checks, by Tuesday 8 December" in staff


async def test_the_canary_child_never_reaches_a_shared_conversation_or_the_logs(
    teams: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]
    await teams.press(
        ADELE,
        Verb.INFOCHECK_RECORD,
        {"meeting": meeting, "case": case_id, f"known.{case_id}": "known"},
    )
    await teams.say(MEGAN, "agenda", conversation=CHANNEL, conversation_type="channel", team=TEAM)
    await teams.press(MEGAN, Verb.REMINDERS_SEND, {"panel": "demo", "meeting": meeting})
    teams.now(2026, 12, 4, 10, 0)
    await teams.app[SCHEDULER].run("demo")
    await teams.deliver()

    shared = [s for s in teams.connector.sent if not s.conversation_id.startswith("a:")]
    assert shared, "the channel got nothing: the test would prove nothing"
    dob = CANARY_DOB.isoformat()
    for sent in shared:
        assert CANARY_CHILD not in str(sent.activity)
        assert dob not in str(sent.activity)
    assert any(CANARY_CHILD in str(s.activity) for s in teams.connector.sent)  # 1:1 only
    assert CANARY_CHILD not in caplog.text
    assert dob not in caplog.text


async def test_after_an_empty_agenda_froze_a_new_family_goes_to_the_next_sitting_on_demand(
    teams: Teams,
) -> None:
    teams.now(2026, 12, 7, 10, 0)  # Monday: Tuesday's cut-off (Wednesday) has passed
    await teams.app[SCHEDULER].run("demo")  # freezes Tuesday's empty agenda
    assert await teams.deliver() == 0  # and tells nobody about nothing
    case_id = await list_family(teams)

    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})
    sent = await teams.press(ALEX, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now"))
    await teams.deliver()

    assert "Tuesday 15 December 2026" in texts_of(frozen)
    assert "1. EHM-1001" in texts_of(frozen)
    assert "The case list is queued for 5 members" in texts_of(sent)
    pack = [c for c in teams.cards_to(ALEX) if "Please answer each" in texts_of(c)]
    assert action_data(pack[0], "Answer")["case"] == case_id


async def test_the_week_runs_the_same_on_sqlite_and_postgresql(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]

    saved = await teams.press(
        ADELE,
        Verb.INFOCHECK_RECORD,
        {"meeting": meeting, "case": case_id, f"known.{case_id}": "known"},
    )
    replay = await teams.press(
        ADELE,
        Verb.CAPACITY_RECORD,
        {"meeting": meeting, "capacity": "1"},
        activity_id="twice",
    )
    again = await teams.press(
        ADELE, Verb.CAPACITY_RECORD, {"meeting": meeting, "capacity": "1"}, activity_id="twice"
    )

    assert "Known to us" in texts_of(saved)
    assert "Capacity saved: your agency can lead 1 new case from" in texts_of(replay)
    assert ALREADY_HANDLED in texts_of(again)
    assert len([c for c in teams.cards_to(PATTI) if "Please answer each" in texts_of(c)]) == 1


async def test_a_member_answers_one_case_on_its_own_card_then_not_known_for_the_rest(
    teams: Teams,
) -> None:
    for reference in ("EHM-2001", "EHM-2002"):
        await list_family(teams, reference=reference)
    await circulated(teams)  # a third family, then the list goes out
    first = action_data(teams.cards_to(ADELE)[-1], "Answer")
    assert action_data(teams.cards_to(ADELE)[-1], "Not known to us: all 3")  # short: Teams cuts

    case_card = await teams.press(ADELE, Verb.PACK_CASE, first)
    saved = await teams.press(
        ADELE, Verb.INFOCHECK_RECORD, {**first, f"known.{first['case']}": "known"}
    )
    rest = await teams.press(ADELE, Verb.INFOCHECK_NOT_KNOWN_REST, {"meeting": first["meeting"]})

    # Only this case's answer is asked for on its card, so saving it needs nothing else.
    required = [n["id"] for n in nodes(case_card) if n.get("isRequired")]
    assert required == [f"known.{first['case']}"]
    assert "Case 1 of 3" in texts_of(case_card)
    assert "Answer saved." in texts_of(saved)
    assert [n for n in nodes(saved) if str(n.get("title", "")).startswith("Next: EHM-")]
    assert 'Recorded "not known to us" for 2 cases.' in texts_of(rest)
    assert "3 cases for Health, 3 answered" in texts_of(rest)
    assert "Not answered yet" not in texts_of(rest)
    assert texts_of(rest).count("Answered: Not known to us") == 2


async def test_after_circulating_business_support_see_who_has_the_list_and_who_cannot_be_reached(
    teams: Teams,
) -> None:
    await list_family(teams)
    for person in (ADELE, ISAIAH, LYNNE):  # Patti has never opened a chat with the bot
        await teams.say(person, "hello")
    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})

    queued = await teams.press(ALEX, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now"))
    await teams.deliver()
    desk = await teams.press(ALEX, Verb.DELIVERY_VIEW, action_data(queued, "Check again"))

    before = texts_of(frozen)
    assert "the bot cannot reach 1 of 5 members yet" in before
    assert "Never opened a chat with the bot: **Patti Fernandez** (Police). Please ask" in before
    assert "Delivered to 0 of 5 members. On its way to 4. 1 cannot be reached yet." in texts_of(
        queued
    )
    assert "Delivered to 4 of 5 members. 1 cannot be reached yet." in texts_of(desk)
    assert "**Cannot be reached yet**: they have never opened a chat with the bot." in texts_of(
        desk
    )
    assert "ask them to open Early Help Panel in Teams" in texts_of(desk)
    assert "**Patti Fernandez** (Police)" in texts_of(desk)
    assert "**Adele Vance** (Health): delivered at " in texts_of(desk)
    assert "**The panel's channel**: the notice is not posted yet: the bot is not installed" in (
        texts_of(desk)
    )


async def test_a_read_receipt_marks_the_list_read_on_the_desk(teams: Teams) -> None:
    await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]
    last = teams.connector.to(personal(ADELE))[-1]
    receipt = teams.activity(
        ADELE,
        "event",
        name="application/vnd.microsoft.readReceipt",
        value={"lastReadMessageId": last.teams_id},
    )

    response = await teams.client.post("/api/messages", json=receipt)
    desk = await teams.press(
        ALEX, Verb.DELIVERY_VIEW, {"panel": "demo", "meeting": meeting, "what": "circulation"}
    )

    assert response.status in (200, 201)
    assert "(1 read it)" in texts_of(desk)
    assert "**Adele Vance** (Health): read (by " in texts_of(desk)


async def test_only_staff_see_the_delivery_desk(teams: Teams) -> None:
    await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]

    card = await teams.press(
        ADELE, Verb.DELIVERY_VIEW, {"panel": "demo", "meeting": meeting, "what": "circulation"}
    )

    assert "Only the chair or business support" in texts_of(card)
    assert "Isaiah" not in texts_of(card)


async def test_a_member_is_offered_only_the_commands_they_can_use_and_hello_is_answered(
    teams: Teams,
) -> None:
    await teams.say(ADELE, "help")
    await teams.say(ADELE, "Hello")
    await teams.say(ALEX, "help")
    await teams.say(MEGAN, "help", conversation=CHANNEL, conversation_type="channel", team=TEAM)

    member, hello = (texts_of_sent(s) for s in teams.connector.to(personal(ADELE)))
    staff = texts_of_sent(teams.connector.to(personal(ALEX))[-1])
    shared = texts_of_sent(teams.connector.to(CHANNEL)[-1])
    assert "my tasks" in member
    assert "remind now" not in member
    assert "new case" not in member
    assert hello.startswith("Hello. I can reach you in this chat now")
    assert "remind now" in staff
    assert "case detail is only ever sent in a 1:1 chat" in shared


def texts_of_sent(sent: Any) -> str:
    return str(sent.activity.get("text") or "")


async def test_a_referrer_outside_teams_is_recorded_and_business_support_asked_to_tell_them(
    teams: Teams,
) -> None:
    referrer = {
        "referrer_name": "Jo Bloggs",
        "referrer_agency": "St Mary's School",
        "referrer_contact": "jo.bloggs@school.example",
    }
    await teams.say(ALEX, "hello")
    await list_family(teams, **referrer)
    await teams.deliver()

    listing = await teams.press(ALEX, Verb.CASE_LIST, {"panel": "demo"})
    told = [s.activity.get("summary") or "" for s in teams.connector.to(personal(ALEX))]
    assert "Referred by: \nJo Bloggs (St Mary's School, jo.bloggs@school.example)" in texts_of(
        listing
    )
    assert (
        "Please tell the referrer, Jo Bloggs (St Mary's School, jo.bloggs@school.example): "
        "EHM-1001 is listed for the panel on Tuesday 8 December 2026."
    ) in told


async def test_a_referrer_on_the_roster_is_told_in_teams_when_their_case_is_listed(
    teams: Teams,
) -> None:
    await teams.say(ISAIAH, "hello")
    await list_family(teams, referrer_name="Isaiah Langer", referrer_contact="IsaiahL@example.com")
    await teams.deliver()

    told = [s.activity.get("summary") or "" for s in teams.connector.to(personal(ISAIAH))]
    assert "Your referral EHM-1001 is listed for the panel on Tuesday 8 December 2026." in told


async def test_freezing_before_the_cut_off_is_asked_about_in_the_card_first(teams: Teams) -> None:
    await list_family(teams)
    agenda = await teams.press(ALEX, Verb.AGENDA_VIEW, {"panel": "demo"})  # Tuesday: cut-off Wed

    question = [n for n in nodes(agenda) if n.get("type") == "Action.ShowCard"]
    assert [q["title"] for q in question] == ["Freeze now"]
    assert "Freeze now, before the cut-off (Wednesday 2 December 2026 at 12:00)?" in texts_of(
        agenda
    )
    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, action_data(agenda, "Yes, freeze now"))
    assert "Agenda frozen: 1 case" in texts_of(frozen)


async def test_allocating_directly_asks_which_agency_leads_and_tells_it(teams: Teams) -> None:
    await teams.say(ADELE, "hello")
    listed = await teams.press(ALEX, Verb.CASE_REFER, {"panel": "demo", **FORM})
    form = await teams.press(ALEX, Verb.CASE_SCREEN, action_data(listed, "Allocate directly"))
    button = action_data(form, "Allocate directly")
    unchosen = await teams.press(ALEX, Verb.CASE_SCREEN, {**button, "lead_agency": ""})
    done = await teams.press(
        ALEX,
        Verb.CASE_SCREEN,
        {**button, "lead_agency": "Health", "direct_reason": "Universal Plus is enough"},
    )
    await teams.deliver()

    assert "Allocate EHM-1001 directly?" in texts_of(form)
    assert "Choose the agency that will lead." in texts_of(unchosen)
    assert "EHM-1001: allocated directly to Health, without panel discussion." in texts_of(done)
    [told] = [c for c in teams.cards_to(ADELE) if "New allocation" in texts_of(c)]
    assert "Health is lead for case EHM-1001: allocated directly" in texts_of(told)
