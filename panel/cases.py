"""Referrals and the case aggregate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict

from panel.calendar import long_date
from panel.errors import ConsentMissing, InvalidInput, SafeguardingRedirect
from panel.escalations import Escalation
from panel.leads import LeadRole
from panel.lifecycle import Event, Status, next_status
from panel.outcomes import Decision, Milestone, carried_by
from panel.policy import Policy, Section

MAX_NAME = 100
MAX_NEEDS = 2000
MAX_PEOPLE = 12
# Case-system references (EHM, Mosaic, Liquid Logic) are short codes; anything else is a typo
# or an attempt to smuggle text into places that show the reference.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_-]{1,39}")


@dataclass(frozen=True)
class Person:
    name: str
    date_of_birth: date | None = None
    relationship: str = ""  # for family members: "mother", "step-father", ...


@dataclass(frozen=True)
class Consent:
    given_by: str
    given_on: date


@dataclass(frozen=True)
class Referrer:
    """Who referred the family: told when the case is listed, rolled over and decided."""

    name: str
    agency: str = ""
    contact: str = ""  # an e-mail address or a phone number, as they gave it

    def said(self) -> str:
        """ "Jo Bloggs (St Mary's School, jo@example.org)"."""
        details = ", ".join(x for x in (self.agency, self.contact) if x)
        return f"{self.name} ({details})" if details else self.name


class CaseFields(TypedDict):
    """The referral's fields a case keeps: one list for listing a case and correcting it."""

    reference: str
    locality: str
    route: Section
    children: tuple[Person, ...]
    family: tuple[Person, ...]
    presenting_needs: str
    consent: Consent | None
    referrer: Referrer | None


@dataclass(frozen=True)
class Referral:
    """What business support or the chair enters to list a family."""

    reference: str
    locality: str
    route: Section
    children: tuple[Person, ...]
    family: tuple[Person, ...] = ()
    presenting_needs: str = ""
    consent: Consent | None = None
    immediate_safeguarding_concern: bool = False
    referrer: Referrer | None = None

    def case_fields(self) -> CaseFields:
        """What a case keeps from its referral: listing it and correcting it take the same."""
        return {
            "reference": self.reference,
            "locality": self.locality,
            "route": self.route,
            "children": self.children,
            "family": self.family,
            "presenting_needs": self.presenting_needs,
            "consent": self.consent,
            "referrer": self.referrer,
        }


def check_referral(referral: Referral, policy: Policy, today: date) -> None:
    """Refuse a referral the policy does not allow to be listed; the first reason wins.

    The safeguarding question comes first: whatever else is wrong with the form, a child at
    immediate risk must be sent to the MASH (or its local equivalent) now.
    """
    if referral.immediate_safeguarding_concern:
        contact = f" Contact: {policy.mash_contact}." if policy.mash_contact else ""
        raise SafeguardingRedirect(policy.safeguarding_message + contact)
    if not REFERENCE.fullmatch(referral.reference):
        raise InvalidInput(
            "The case reference must be 2 to 40 letters, digits, '/', '_' or '-', as in the "
            "case system."
        )
    if policy.localities and referral.locality not in policy.localities:
        raise InvalidInput(f"Choose a locality this panel covers: {', '.join(policy.localities)}.")
    if not referral.children:
        raise InvalidInput("Add at least one child.")
    if len(referral.children) + len(referral.family) > MAX_PEOPLE:
        raise InvalidInput(f"A referral can name at most {MAX_PEOPLE} people.")
    for person in (*referral.children, *referral.family):
        _check_person(person, today)
    if len(referral.presenting_needs) > MAX_NEEDS:
        raise InvalidInput(f"Presenting needs can be at most {MAX_NEEDS} characters.")
    if policy.needs_consent(referral.route):
        consent = referral.consent
        if consent is None or not consent.given_by.strip():
            raise ConsentMissing(
                "This family cannot be listed: the panel needs their consent to discuss them. "
                "Record who gave consent and when."
            )
        if consent.given_on > today:
            raise InvalidInput("Consent cannot be dated in the future.")
        _check_text("Who gave consent", consent.given_by, MAX_NAME)
    if referral.referrer is not None:
        _check_text("The referrer's name", referral.referrer.name, MAX_NAME)
        _check_text("The referrer's agency", referral.referrer.agency, MAX_NAME)
        _check_text("The referrer's contact", referral.referrer.contact, MAX_NAME)


def _check_person(person: Person, today: date) -> None:
    _check_text("A name", person.name, MAX_NAME)
    if not person.name.strip():
        raise InvalidInput("Every child and family member needs a name.")
    _check_text("A relationship", person.relationship, 40)
    if person.date_of_birth is not None and person.date_of_birth > today:
        # An unborn child is recorded with no date of birth, not a future one.
        raise InvalidInput("A date of birth cannot be in the future.")


def _check_text(what: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidInput(f"{what} can be at most {limit} characters.")


@dataclass(frozen=True)
class Transition:
    at: datetime
    event: Event
    status: Status
    reason: str = ""  # plain words, never child data: "Locality list full", "Stuck: ..."


@dataclass
class Case:
    id: str
    panel_id: str
    reference: str
    locality: str
    route: Section
    children: tuple[Person, ...]
    family: tuple[Person, ...]
    presenting_needs: str
    consent: Consent | None
    referred_at: datetime
    referred_by: str = ""  # person id of whoever listed it: told when the case rolls over
    referrer: Referrer | None = None  # who referred the family (often outside Teams)
    status: Status = Status.REFERRED
    times_rolled_over: int = 0
    decision: Decision | None = None
    milestones: tuple[Milestone, ...] = ()
    escalation: Escalation | None = None
    lead: LeadRole | None = None  # the named lead practitioner, and who held it before
    history: list[Transition] = field(default_factory=list)

    @classmethod
    def from_referral(
        cls, case_id: str, panel_id: str, referral: Referral, at: datetime, referred_by: str
    ) -> Case:
        return cls(
            id=case_id,
            panel_id=panel_id,
            referred_at=at,
            referred_by=referred_by,
            **referral.case_fields(),
        )

    def correct(self, referral: Referral) -> None:
        """Take a corrected referral (its checks already passed)."""
        for name, value in referral.case_fields().items():
            setattr(self, name, value)

    def lead_agency(self, policy: Policy) -> str | None:
        """The agency leading the case now: the named practitioner's (after a handover, maybe
        another than the panel chose), else the one the decision gave it to."""
        if self.lead is not None:
            return self.lead.agency
        return carried_by(self.decision, policy) if self.decision else None

    def apply(self, event: Event, at: datetime, reason: str = "") -> Status:
        self.status = next_status(self.status, event)
        if event is Event.ROLL_OVER:
            self.times_rolled_over += 1
        self.history.append(Transition(at, event, self.status, reason))
        return self.status

    @property
    def section(self) -> Section:
        """The agenda section a waiting case belongs in (stuck and review cases by state)."""
        if self.status is Status.STUCK:
            return Section.STUCK
        if self.status is Status.DUE_REVIEW:
            return Section.REVIEW
        return self.route

    def why_back(self) -> str:
        """Why the case is back before a panel (the lead's reason it is stuck, or the review
        that is due), until the panel records an outcome; "" for a first listing."""
        for step in reversed(self.history):
            if step.event is Event.RECORD_OUTCOME:
                return ""
            if step.event is Event.MARK_STUCK:
                return f"Stuck: {step.reason}"
            if step.event is Event.REVIEW_DUE:
                due = [m for m in self.milestones if m.brings_back_to_panel and m.open]
                return f"{due[0].label}, due {long_date(due[0].due)}" if due else "Review due"
        return ""

    @property
    def waiting_since(self) -> datetime:
        return self.history[-1].at if self.history else self.referred_at

    @property
    def waiting_for_agenda(self) -> bool:
        return self.status in (Status.LISTED, Status.ROLLED_OVER, Status.STUCK, Status.DUE_REVIEW)
