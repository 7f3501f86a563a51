"""Votes on the lead agency: the chair calls and closes them from the console; members vote
from their ballot, 1:1."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.panel_day import console_of
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards.common import Card, message
from cards.verbs import Verb
from panel.usecases import votes
from panel.words import plural


@handles(Verb.VOTE_OPEN, view=Verb.PANEL_CONSOLE)
async def open_vote(s: Services, asker: Asker, act: CardAction) -> Card:
    vote = await votes.open_vote(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, case_id=act.ref("case")
    )
    return await console_of(
        s,
        asker,
        act,
        f"Vote open between {', '.join(vote.candidates)}; "
        f"{plural(len(vote.eligible), 'agency', 'agencies')} may vote. Ballots have gone out 1:1.",
    )


@handles(Verb.VOTE_CAST)
async def cast_vote(s: Services, asker: Asker, act: CardAction) -> Card:
    choice = act.ref("choice")
    cast, _ = await votes.cast_vote(
        s.deps,
        meeting_id=act.ref("meeting"),
        actor=asker.person_id,
        round_id=act.ref("round"),
        choice=choice,
    )
    if cast.duplicate:
        return message(f"Your agency's vote for {choice} stands; nothing has changed.")
    return message(
        f"Your vote for {choice} is recorded, on behalf of {cast.agency}. "
        "You will be sent the result when the vote closes."
    )


@handles(Verb.VOTE_CLOSE, view=Verb.PANEL_CONSOLE)
async def close_vote(s: Services, asker: Asker, act: CardAction) -> Card:
    result = await votes.close_vote(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, round_id=act.ref("round")
    )
    return await console_of(s, asker, act, f"Vote closed. {result.summary()}")


@handles(Verb.VOTE_CASTING, view=Verb.PANEL_CONSOLE)
async def casting_vote(s: Services, asker: Asker, act: CardAction) -> Card:
    result = await votes.casting_vote(
        s.deps,
        meeting_id=act.ref("meeting"),
        actor=asker.person_id,
        round_id=act.ref("round"),
        choice=act.ref("choice"),
    )
    return await console_of(s, asker, act, result.summary())
