"""After the panel: the lead marks milestones done or not possible, or sends a stuck case
back to panel, from the nudge in their 1:1 chat."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import follow_up as cards
from cards import inputs
from cards.common import Card, action, message
from cards.verbs import Verb
from panel.errors import InvalidInput
from panel.outcomes import Milestone
from panel.usecases import desk, follow_up


def _plan(plan: tuple[Milestone, ...], notice: str) -> Card:
    rows = [
        (
            m.label,
            f"{m.due:%d %b %Y}",
            f"done {m.done_on:%d %b}"
            if m.done_on
            else ("not possible" if m.not_possible else "open"),
        )
        for m in plan
    ]
    return cards.milestones(rows, notice=notice)


@handles(Verb.MILESTONE_DONE)
async def milestone_done(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    done_on = inputs.day(act.inputs, "done_on", "The date it was done")
    if done_on is None:
        raise InvalidInput("Give the date it was done.")
    plan = await follow_up.mark_milestone(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        code=act.ref("milestone"),
        done_on=done_on,
    )
    return _plan(plan, f"Marked done on {done_on:%d %B %Y}.")


@handles(Verb.MILESTONE_NOT_POSSIBLE)
async def milestone_not_possible(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    plan = await follow_up.mark_milestone(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        code=act.ref("milestone"),
        not_possible=inputs.text(act.inputs, "reason", 500, "The reason"),
    )
    return _plan(plan, "Recorded as not possible, with your reason.")


@handles(Verb.MILESTONE_EXTEND)
async def milestone_extend(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    plan = await follow_up.extend_milestone(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        code=act.ref("milestone"),
        reason=inputs.text(act.inputs, "reason", 500, "The reason"),
    )
    extended = next(m for m in plan if m.code == act.ref("milestone"))
    return _plan(plan, f"Extended: now due {extended.due:%d %B %Y}, as agreed in supervision.")


@handles(Verb.MILESTONE_VIEW)
async def milestone_view(s: Services, asker: Asker, act: CardAction) -> Card:
    """A milestone opened from `my tasks`, as its card, to act on it there."""
    panel = asker.panel(act.ref("panel"))
    nudge = await desk.milestone_card(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        code=act.ref("milestone"),
    )
    return cards.milestone(nudge)


@handles(Verb.CASE_CLOSE)
async def close_case(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    why = inputs.text(act.inputs, "close_reason", 200, "Why support ends")
    if why not in cards.CLOSE_REASONS:
        raise InvalidInput("Choose why support ends.")
    more = inputs.text(act.inputs, "close_note", 400, "The note")
    if why.startswith("Other") and not more:
        raise InvalidInput("Say why support ends.")
    reason = f"{why}. {more}".strip() if more else f"{why}."
    checks = panel.policy.closure_checks
    confirmed = frozenset(
        check for n, check in enumerate(checks, 1) if act.inputs.get(f"close_check{n}") == "true"
    )
    await follow_up.close_case(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        reason=reason,
        confirmed=confirmed,
    )
    return message("Case closed: its follow-up and nudges stop. The reason is kept with it.")


@handles(Verb.CASE_STEP_UP)
async def step_up(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    done = await follow_up.step_up(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        concern=inputs.text(act.inputs, "concern", 500, "The concern"),
    )
    told = (
        "your line manager, the chair and business support are told"
        if done.manager_told
        else "the chair and business support are told (no line manager is on the roster for "
        "you: tell yours yourself)"
    )
    refer = (
        f" Refer it to the MASH now: {done.mash_contact}."
        if done.mash_contact
        else " Refer it to the MASH now."
    )
    return message(
        f"Stepped up: {told}, and the case stays open until the MASH decides." + refer,
        actions=[action("Back to my tasks", Verb.TASKS_VIEW)],
    )


@handles(Verb.CASE_STUCK)
async def mark_stuck(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    reason = inputs.text(act.inputs, "reason", 500, "The reason")
    await follow_up.mark_stuck(
        s.deps, panel_id=panel.id, actor=asker.person_id, case_id=act.ref("case"), reason=reason
    )
    return message("The case goes back to the next panel's agenda as a stuck case.")
