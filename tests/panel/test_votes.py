from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panel.errors import NotQuorate, VoteRejected
from panel.policy import Deadlock, MajorityBase
from panel.presets import BARNET, CAMDEN
from panel.votes import RoundState, VoteRound, VoteRule, choose_candidates

AGENCIES = frozenset({"Health", "Police", "Schools", "Housing", "Early Help"})


def open_round(
    rule: VoteRule,
    *,
    candidates: tuple[str, ...] = ("Health", "Schools"),
    present: frozenset[str] = AGENCIES,
    conflicted: frozenset[str] = frozenset(),
) -> VoteRound:
    return VoteRound.open(
        "r1",
        "c1",
        candidates=candidates,
        present=present,
        conflicted=conflicted,
        rule=rule,
        quorate=True,
    )


CAMDEN_RULE = VoteRule.of(CAMDEN)
BARNET_RULE = VoteRule.of(BARNET)


def test_a_simple_majority_of_votes_cast_decides() -> None:
    vote = open_round(CAMDEN_RULE)
    for agency, choice in [("Health", "Health"), ("Police", "Health"), ("Schools", "Schools")]:
        vote.cast(agency, choice, quorate=True)
    result = vote.close()
    assert result.state is RoundState.DECIDED
    assert result.winner == "Health"
    assert result.tally.line() == "Health 2, Schools 1"


def test_a_tie_without_a_casting_vote_escalates_to_stage_3() -> None:
    vote = open_round(CAMDEN_RULE)
    vote.cast("Health", "Health", quorate=True)
    vote.cast("Schools", "Schools", quorate=True)
    result = vote.close()
    assert result.state is RoundState.ESCALATED
    assert "Stage 3 of the CSCB escalation policy" in result.escalation_route
    assert result.winner is None


def test_a_tie_with_a_casting_vote_waits_for_the_chair_who_picks_a_tied_agency() -> None:
    vote = open_round(BARNET_RULE)
    vote.cast("Health", "Health", quorate=True)
    vote.cast("Schools", "Schools", quorate=True)
    assert vote.close().state is RoundState.AWAITING_CASTING_VOTE
    with pytest.raises(VoteRejected, match="tied agencies"):
        vote.casting_vote("Police")
    result = vote.casting_vote("Schools")
    assert result.winner == "Schools"
    assert result.by_casting_vote


def test_a_tie_under_a_revote_policy_asks_for_one_more_round_then_escalates() -> None:
    rule = dataclasses.replace(CAMDEN_RULE, on_deadlock=Deadlock.REVOTE, max_revotes=1)
    first = open_round(rule)
    first.cast("Health", "Health", quorate=True)
    first.cast("Schools", "Schools", quorate=True)
    result = first.close()
    assert result.state is RoundState.REVOTE
    assert result.contenders == ("Health", "Schools")
    second = VoteRound("r2", "c1", 2, result.contenders, first.eligible, rule)
    second.cast("Health", "Health", quorate=True)
    second.cast("Schools", "Schools", quorate=True)
    assert second.close().state is RoundState.ESCALATED


def test_a_majority_of_agencies_present_needs_more_than_half_of_those_able_to_vote() -> None:
    rule = dataclasses.replace(CAMDEN_RULE, majority_base=MajorityBase.AGENCIES_PRESENT)
    vote = open_round(rule)
    vote.cast("Health", "Health", quorate=True)
    vote.cast("Police", "Health", quorate=True)
    assert vote.close().state is RoundState.ESCALATED  # 2 of 5 present is no majority


def test_a_vote_cannot_open_while_the_panel_is_not_quorate() -> None:
    with pytest.raises(NotQuorate):
        VoteRound.open(
            "r",
            "c",
            candidates=["Health"],
            present=AGENCIES,
            conflicted=frozenset(),
            rule=CAMDEN_RULE,
            quorate=False,
        )


def test_a_conflicted_agency_cannot_vote_on_that_case() -> None:
    vote = open_round(CAMDEN_RULE, conflicted=frozenset({"Police"}))
    with pytest.raises(VoteRejected, match="declared a conflict"):
        vote.cast("Police", "Health", quorate=True)


def test_an_agency_not_present_cannot_vote() -> None:
    vote = open_round(CAMDEN_RULE, present=frozenset({"Health", "Schools"}))
    with pytest.raises(VoteRejected, match="not signed in"):
        vote.cast("Police", "Health", quorate=True)


def test_a_double_click_counts_once_and_a_changed_vote_is_refused() -> None:
    vote = open_round(CAMDEN_RULE)
    assert not vote.cast("Health", "Health", quorate=True).duplicate
    assert vote.cast("Health", "Health", quorate=True).duplicate
    with pytest.raises(VoteRejected, match="already voted"):
        vote.cast("Health", "Schools", quorate=True)
    assert vote.tally().cast == 1


def test_a_vote_for_an_agency_not_on_the_ballot_is_refused() -> None:
    vote = open_round(CAMDEN_RULE)
    with pytest.raises(VoteRejected, match="not one of the choices"):
        vote.cast("Health", "Police", quorate=True)


def test_no_vote_is_taken_after_the_round_closes() -> None:
    vote = open_round(CAMDEN_RULE)
    vote.cast("Health", "Health", quorate=True)
    vote.close()
    with pytest.raises(VoteRejected, match="Voting is closed"):
        vote.cast("Police", "Health", quorate=True)
    assert vote.cast("Health", "Health", quorate=True).duplicate  # a late double click
    with pytest.raises(VoteRejected, match="already closed"):
        vote.close()


def test_a_vote_cast_after_quorum_is_lost_is_refused() -> None:
    vote = open_round(CAMDEN_RULE)
    with pytest.raises(NotQuorate):
        vote.cast("Health", "Health", quorate=False)


def test_candidates_are_those_present_who_offered_or_everyone_present_if_nobody_did() -> None:
    present = frozenset({"Health", "Police", "Schools"})
    assert choose_candidates(BARNET, present, ["Police", "Housing"]) == ("Police",)
    assert choose_candidates(BARNET, present, []) == ("Health", "Police", "Schools")
    assert choose_candidates(CAMDEN, present, ["Police"]) == ("Health", "Police", "Schools")


ballots = st.lists(st.sampled_from(["Health", "Schools", "Police"]), max_size=5)


@given(ballots, st.permutations(sorted(AGENCIES)))
def test_the_tally_does_not_depend_on_the_order_votes_arrive(
    choices: list[str], order: list[str]
) -> None:
    voters = sorted(AGENCIES)[: len(choices)]
    pairs = list(zip(voters, choices, strict=True))
    forwards = open_round(BARNET_RULE, candidates=("Health", "Police", "Schools"))
    backwards = open_round(BARNET_RULE, candidates=("Health", "Police", "Schools"))
    for agency, choice in pairs:
        forwards.cast(agency, choice, quorate=True)
    rank = {agency: i for i, agency in enumerate(order)}
    for agency, choice in sorted(pairs, key=lambda p: rank[p[0]]):
        backwards.cast(agency, choice, quorate=True)
    assert forwards.close() == backwards.close()


@given(ballots)
def test_a_winner_always_has_more_than_half_of_the_votes_cast(choices: list[str]) -> None:
    vote = open_round(CAMDEN_RULE, candidates=("Health", "Police", "Schools"))
    for agency, choice in zip(sorted(AGENCIES), choices, strict=False):
        vote.cast(agency, choice, quorate=True)
    result = vote.close()
    counts = dict(result.tally.counts)
    assert sum(counts.values()) == len(choices)
    if result.state is RoundState.DECIDED:
        assert result.winner is not None
        assert counts[result.winner] * 2 > len(choices)
    else:
        assert all(n * 2 <= len(choices) for n in counts.values())
