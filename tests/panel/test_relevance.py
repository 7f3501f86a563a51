"""Nothing queued outlives its reason (docs/safeguards.md §11): the rule that says whether a queued
message may still be sent, and what it may still hold."""

from __future__ import annotations

from adapters.in_memory import FakePanels
from panel.lifecycle import Status
from panel.meeting import MeetingStatus
from panel.presets import BARNET
from panel.relevance import (
    ANSWERING,
    BEFORE_THE_PANEL,
    SITTING,
    Facts,
    QueuedFor,
    Verdict,
    still_due,
    verdict,
)
from tests.panel.world import CHAIR, build_panel, member_id

PACK = QueuedFor("p", "m1", BEFORE_THE_PANEL, ("c1", "c2"))


def test_a_pack_goes_while_the_sitting_is_before_the_panel_with_every_case() -> None:
    facts = Facts(MeetingStatus.CIRCULATED, frozenset({"c1", "c2"}))
    assert verdict(PACK, facts) == Verdict()


def test_a_pack_loses_the_case_withdrawn_since_and_goes_without_it() -> None:
    facts = Facts(MeetingStatus.CIRCULATED, frozenset({"c1"}))
    assert verdict(PACK, facts) == Verdict(drop_cases=frozenset({"c2"}))


def test_a_pack_whose_every_case_has_gone_is_dropped() -> None:
    assert verdict(PACK, Facts(MeetingStatus.CIRCULATED)).cancel


def test_a_pack_is_dropped_once_the_sitting_has_closed() -> None:
    facts = Facts(MeetingStatus.CLOSED, frozenset({"c1", "c2"}))
    assert verdict(PACK, facts).cancel == "the sitting has moved on (it is closed)"


def test_a_reminder_is_dropped_once_the_panel_sits() -> None:
    reminder = QueuedFor("p", "m1", ANSWERING)
    assert verdict(reminder, Facts(MeetingStatus.IN_SESSION)).cancel


def test_a_ballot_is_dropped_once_its_vote_has_closed() -> None:
    ballot = QueuedFor("p", "m1", SITTING, ("c1",), "r1")
    open_vote = Facts(MeetingStatus.IN_SESSION, frozenset({"c1"}), round_open=True)
    closed_vote = Facts(MeetingStatus.IN_SESSION, frozenset({"c1"}), round_open=False)
    assert verdict(ballot, open_vote) == Verdict()
    assert verdict(ballot, closed_vote).cancel == "the vote has closed"


def test_a_message_about_a_sitting_that_no_longer_exists_is_dropped() -> None:
    assert verdict(PACK, Facts(None)).cancel


def test_a_nudge_is_dropped_once_the_case_is_no_longer_tracked() -> None:
    nudge = QueuedFor("p", case_ids=("c1",), case_states=frozenset({Status.TRACKING}))
    tracked = Facts(statuses={"c1": Status.TRACKING})
    assert verdict(nudge, tracked) == Verdict()
    assert verdict(nudge, Facts(statuses={"c1": Status.CLOSED})).cancel
    assert verdict(nudge, Facts(statuses={})).cancel  # erased by retention


def test_an_outcome_goes_for_a_closed_case_but_not_a_withdrawn_one() -> None:
    outcome = QueuedFor("p", case_ids=("c1",))
    assert verdict(outcome, Facts(statuses={"c1": Status.CLOSED})) == Verdict()
    assert verdict(outcome, Facts(statuses={"c1": Status.WITHDRAWN})).cancel


def test_what_a_message_depends_on_survives_the_outbox_as_json() -> None:
    nudge = QueuedFor("p", "m", SITTING, ("c1",), "r", frozenset({Status.TRACKING}))
    assert QueuedFor.from_json(nudge.to_json()) == nudge
    assert QueuedFor.from_json(QueuedFor("p").to_json()) == QueuedFor("p")


class NoFacts:
    async def facts(self, queued_for: QueuedFor) -> Facts:
        return Facts(MeetingStatus.CIRCULATED, frozenset(queued_for.case_ids))


async def test_a_person_no_longer_on_the_panel_gets_nothing_more() -> None:
    panel = build_panel(BARNET)
    panels = FakePanels(panel)
    pack = QueuedFor(panel.id, "m1")

    for person, due in ((member_id("Health"), True), (CHAIR, True), ("someone-who-left", False)):
        result = await still_due(panels, NoFacts(), person, pack)
        assert (result.cancel == "") is due, person
    assert (await still_due(panels, NoFacts(), None, pack)).cancel == ""  # the channel
