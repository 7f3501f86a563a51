"""Information checks: a member's pack of circulated cases, their answers and capacity."""

from __future__ import annotations

from bot.actions import CardAction, Tampered
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import inputs
from cards import week as cards
from cards.common import Card
from cards.verbs import Verb
from panel.errors import InvalidInput, NotFound
from panel.infochecks import MAX_CAPACITY, Known
from panel.usecases import info_checks, week
from panel.usecases.info_checks import MemberPack


async def _pack_of(s: Services, asker: Asker, act: CardAction) -> MemberPack:
    if "meeting" in act.refs:
        meeting_id = act.ref("meeting")
    else:
        meeting = None
        for panel in asker.panels:
            meeting = await week.current_meeting(s.deps, panel.id)
            if meeting is not None:
                break
        if meeting is None:
            raise InvalidInput("Nothing has been circulated for the next panel yet.")
        meeting_id = meeting.id
    return await info_checks.open_pack(s.deps, meeting_id=meeting_id, actor=asker.person_id)


async def _pack(s: Services, asker: Asker, act: CardAction, notice: str = "") -> Card:
    """The overview of the member's cases (the page the card asks for), with what they had
    typed kept."""
    page = act.refs.get("page", "0")
    if not page.isdigit() or len(page) > 3:
        raise Tampered("The card asked for a page of the list that does not exist.")
    pack = await _pack_of(s, asker, act)
    return cards.circulation(pack, page=int(page), notice=notice, values=act.inputs)


async def _case(s: Services, asker: Asker, act: CardAction, notice: str = "") -> Card:
    """One case of the pack, with what they had typed on it kept."""
    pack = await _pack_of(s, asker, act)
    case_id = act.ref("case")
    if all(c.case_id != case_id for c in pack.cases):
        raise NotFound("That case is no longer on the list for this panel.")
    return cards.pack_case(pack, case_id, notice=notice, values=act.inputs)


@handles(Verb.PACK_OPEN)
async def open_pack(s: Services, asker: Asker, act: CardAction) -> Card:
    return await _pack(s, asker, act)


@handles(Verb.PACK_CASE, view=Verb.PACK_OPEN)
async def open_case(s: Services, asker: Asker, act: CardAction) -> Card:
    return await _case(s, asker, act)


@handles(Verb.INFOCHECK_RECORD, view=Verb.PACK_CASE)
async def record_info_check(s: Services, asker: Asker, act: CardAction) -> Card:
    meeting_id, case_id = act.ref("meeting"), act.ref("case")
    answer = act.per_case(case_id)
    try:
        known = Known(answer.get("known", ""))
    except ValueError:
        raise InvalidInput("Say whether the family is known to your agency.") from None
    could_lead = answer.get("could_lead", "false")
    if could_lead not in ("true", "false"):
        raise Tampered("The card sent an answer our form does not offer.")
    information = inputs.text(answer, "information", 2000, "What you can share")
    await info_checks.record_info_check(
        s.deps,
        meeting_id=meeting_id,
        actor=asker.person_id,
        case_id=case_id,
        known=known,
        information=information,
        could_lead=could_lead == "true",
    )
    return await _case(s, asker, act, "Answer saved.")


@handles(Verb.INFOCHECK_NOT_KNOWN_REST, view=Verb.PACK_OPEN)
async def not_known_for_rest(s: Services, asker: Asker, act: CardAction) -> Card:
    count = await info_checks.record_not_known_for_rest(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id
    )
    cases = "1 case" if count == 1 else f"{count} cases"
    return await _pack(s, asker, act, f'Recorded "not known to us" for {cases}.')


@handles(Verb.CAPACITY_RECORD, view=Verb.PACK_OPEN)
async def record_capacity(s: Services, asker: Asker, act: CardAction) -> Card:
    value = inputs.whole_number(act.inputs, "capacity", "Capacity", low=0, high=MAX_CAPACITY)
    if value is None:
        raise InvalidInput(f"Give your capacity: a whole number from 0 to {MAX_CAPACITY}.")
    await info_checks.record_capacity(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, allocations=value
    )
    return await _pack(s, asker, act, "Capacity saved.")
