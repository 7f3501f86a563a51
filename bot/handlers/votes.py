"""Votes on the lead agency: the chair calls and closes them from the console; members vote
from their ballot, 1:1."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.panel_day import console_of, item_of
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import console as console_cards
from cards import panel_day as cards
from cards.common import Card, message
from cards.verbs import Verb
from panel.console import ItemState
from panel.errors import InvalidInput, VoteRejected
from panel.usecases import panel_day, votes
from panel.words import and_list, plural


@handles(Verb.VOTE_OPEN, view=Verb.PANEL_CONSOLE)
async def open_vote(s: Services, asker: Asker, act: CardAction) -> Card:
    try:
        vote = await votes.open_vote(
            s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, case_id=act.ref("case")
        )
    except VoteRejected:
        view = await panel_day.view_console(
            s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, shown_at=act.message_id
        )
        item = view.item(act.ref("case"))
        if item is None or item.state is not ItemState.VOTING:
            raise
        # Pressed on a console that had not caught up: the vote stands, shown as it is.
        return console_cards.console(
            view,
            notice=f"A vote on item {item.number} is already open: {item.votes_cast} of "
            f"{item.eligible} voted.",
        )
    return await console_of(
        s,
        asker,
        act,
        f"Vote open between {and_list(vote.candidates)}; "
        f"{plural(len(vote.eligible), 'agency', 'agencies')} may vote. "
        "Ballots are on their way 1:1.",
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
    result, closed_now = await votes.close_vote(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, round_id=act.ref("round")
    )
    said = "Vote closed." if closed_now else "This vote had already closed."
    return await console_of(s, asker, act, f"{said} {result.summary()}")


@handles(Verb.VOTE_REOPEN, view=Verb.PANEL_CONSOLE)
async def reopen_vote(s: Services, asker: Asker, act: CardAction) -> Card:
    """Asks why first (the form), then re-opens the vote."""
    view, item = await item_of(s, asker, act)
    if "reopen_reason" not in act.inputs:
        return cards.reopen_form(view, item)
    try:
        vote = await votes.reopen_vote(
            s.deps,
            meeting_id=view.meeting_id,
            actor=asker.person_id,
            case_id=item.case_id,
            reason=act.inputs["reopen_reason"],
        )
    except InvalidInput as error:
        return cards.reopen_form(view, item, values=act.inputs, problem=error.message)
    return await console_of(
        s,
        asker,
        act,
        f"Vote re-opened (round {vote.number}): ballots are on their way 1:1, and everyone told "
        "the earlier result will be told why.",
    )


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
