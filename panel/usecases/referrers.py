"""The referrer hears what became of their referral: listed for a panel (which date), rolled
over (why), decided (the outcome). A referrer on the panel's roster (matched by the e-mail
address they gave) is told 1:1 in Teams; anyone else is outside Teams, so business support are
asked to pass the news on, with the referrer's name, agency and contact.

Business support themselves hear of a roll-over when no referrer was recorded, as before.
"""

from __future__ import annotations

from panel.cases import Case
from panel.messages import Body, DirectMessage, ReferrerNews
from panel.relevance import QueuedFor
from panel.roster import Panel, Role


def tell_referrer(
    panel: Panel,
    case: Case,
    news: str,
    key: str,
    *,
    body: Body | None = None,
    queued_for: QueuedFor | None = None,
    or_whoever_listed_it: bool = False,
) -> list[DirectMessage]:
    """The messages that tell the case's referrer `news`, a phrase that follows the case
    reference ("is listed for the panel on Tuesday 8 December 2026.")."""
    body = body or ReferrerNews(case.id)
    queued_for = queued_for or QueuedFor(panel.id, case_ids=(case.id,))
    referrer = case.referrer
    if referrer is None:
        if not (or_whoever_listed_it and case.referred_by):
            return []
        return [
            DirectMessage(
                case.referred_by, key, f"Case {case.reference} {news}", body, queued_for=queued_for
            )
        ]
    contact = referrer.contact.strip().lower()
    member = next(
        (m for m in panel.members if m.has_teams and m.email and m.email.lower() == contact),
        None,
    )
    if member is not None:
        text = f"Your referral {case.reference} {news}"
        return [DirectMessage(member.person_id, key, text, body, queued_for=queued_for)]
    text = f"Please tell the referrer, {referrer.said()}: {case.reference} {news}"
    return [
        DirectMessage(
            support.person_id, f"{key}:{support.person_id}", text, body, queued_for=queued_for
        )
        for support in panel.with_role(Role.BUSINESS_SUPPORT)
    ]
