"""Intake: the new-case form (and its parser, so the input ids live in one place), the case
list with screening, edit and withdraw. These cards go only to staff in 1:1 chats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from microsoft_teams.cards import (
    CardElement,
    ChoiceSetInput,
    Container,
    DateInput,
    ExecuteAction,
    ShowCardAction,
    TextInput,
    ToggleInput,
)
from microsoft_teams.cards import (
    Choice as CardChoice,
)

from cards import inputs as inputs_
from cards.common import Card, action, back, buttons, card, error, heading, literal, note, why
from cards.verbs import Verb
from panel.cases import MAX_NAME, MAX_NEEDS, Case, Consent, Person, Referral, Referrer
from panel.errors import InvalidInput
from panel.lifecycle import Event, Status
from panel.policy import Section
from panel.usecases.intake import CaseLine
from panel.words import plural

MAX_WITHDRAW_REASON = 500  # why a case is withdrawn, kept with its record

CHILD_SLOTS = 4
FAMILY_SLOTS = 4
ROUTE_TITLES = {
    Section.NEW_REFERRAL: "New referral (e.g. from the MASH)",
    Section.STEP_DOWN: "Step-down from social care",
    Section.STUCK: "Stuck case",
    Section.REVIEW: "Review",
}
# A case's route as a line names it (the form's titles carry hints for whoever chooses).
ROUTE_NAMES = {
    Section.NEW_REFERRAL: "New referral",
    Section.STEP_DOWN: "Step-down from social care",
    Section.STUCK: "Stuck case",
    Section.REVIEW: "Review",
}
STATUS_TITLES = {
    Status.REFERRED: "waiting for screening",
    Status.LISTED: "listed for the next panel",
    Status.ROLLED_OVER: "rolled over to the next panel",
    Status.ON_AGENDA: "on the frozen agenda",
    Status.CIRCULATED: "circulated to members",
    Status.STUCK: "stuck: back to panel",
    Status.DUE_REVIEW: "due its panel review",
}
DIRECT_FIELDS = frozenset({"lead_agency", "direct_reason"})
SCREENING = {
    "list": Event.LIST,
    "direct": Event.ALLOCATE_DIRECTLY,
    "mash": Event.REDIRECT_TO_MASH,
}
FORM_FIELDS = frozenset(
    {
        "reference",
        "locality",
        "route",
        "needs",
        "consent_by",
        "consent_on",
        "safeguarding",
        "referrer_name",
        "referrer_agency",
        "referrer_contact",
        *(f"child{i}_{p}" for i in range(1, CHILD_SLOTS + 1) for p in ("name", "dob")),
        *(f"family{i}_{p}" for i in range(1, FAMILY_SLOTS + 1) for p in ("name", "rel")),
    }
)
# What each field is called when the form comes back with a problem in it.
FIELD_NAMES = {
    "reference": "The case reference",
    "locality": "The locality",
    "route": "The referral route",
    "needs": "The presenting needs",
    "consent_by": "Who gave consent",
    "safeguarding": "The safeguarding answer",
    **{f"child{i}_name": f"Child {i}'s name" for i in range(1, CHILD_SLOTS + 1)},
    **{f"family{i}_name": f"Family member {i}'s name" for i in range(1, FAMILY_SLOTS + 1)},
    **{f"family{i}_rel": f"Family member {i}'s relationship" for i in range(1, FAMILY_SLOTS + 1)},
}


def _text(inputs: Mapping[str, object], key: str, limit: int) -> str:
    return inputs_.text(inputs, key, limit, FIELD_NAMES.get(key, "This field"))


def _date(inputs: Mapping[str, object], key: str, what: str) -> date | None:
    return inputs_.day(inputs, key, what)


def referral_from_inputs(inputs: Mapping[str, object]) -> Referral:
    """The form's inputs as a Referral; the panel's rules (`check_referral`) judge it next."""
    unknown = set(inputs) - FORM_FIELDS
    if unknown:
        raise InvalidInput("The form sent fields it does not have.")
    try:
        route = Section(_text(inputs, "route", 20) or Section.NEW_REFERRAL.value)
    except ValueError:
        raise InvalidInput("Choose a referral route from the list.") from None
    children = tuple(
        Person(name, _date(inputs, f"child{i}_dob", f"Child {i}'s date of birth"))
        for i in range(1, CHILD_SLOTS + 1)
        if (name := _text(inputs, f"child{i}_name", MAX_NAME))
    )
    family = tuple(
        Person(name, None, _text(inputs, f"family{i}_rel", 40))
        for i in range(1, FAMILY_SLOTS + 1)
        if (name := _text(inputs, f"family{i}_name", MAX_NAME))
    )
    given_by = _text(inputs, "consent_by", MAX_NAME)
    given_on = _date(inputs, "consent_on", "The date consent was given")
    if given_by and given_on is None:
        raise InvalidInput("Say when consent was given.")
    concern = _text(inputs, "safeguarding", 5)
    if concern not in ("", "true", "false"):
        raise InvalidInput("Answer the safeguarding question yes or no.")
    referrer = _text(inputs, "referrer_name", MAX_NAME)
    return Referral(
        referrer=Referrer(
            referrer,
            _text(inputs, "referrer_agency", MAX_NAME),
            _text(inputs, "referrer_contact", MAX_NAME),
        )
        if referrer
        else None,
        reference=_text(inputs, "reference", 40),
        locality=_text(inputs, "locality", 100),
        route=route,
        children=children,
        family=family,
        presenting_needs=_text(inputs, "needs", MAX_NEEDS),
        consent=Consent(given_by, given_on) if given_by and given_on else None,
        immediate_safeguarding_concern=concern == "true",
    )


def case_form(
    panel_id: str,
    panel_name: str,
    localities: Sequence[str],
    *,
    case: Case | None = None,
    values: Mapping[str, object] | None = None,
    problem: str = "",
) -> Card:
    """The new-case form, or the edit form when `case` is given. `values` refills the form
    after a refusal so nothing typed is lost."""
    filled: dict[str, str] = _values_of(case) if case else {}
    if values:
        filled.update({k: v for k, v in values.items() if k in FORM_FIELDS and isinstance(v, str)})

    def text(
        key: str, label: str, limit: int, *, required: bool = False, multiline: bool = False
    ) -> TextInput:
        return TextInput(
            id=key,
            label=label,
            max_length=limit,
            value=filled.get(key),
            is_required=required or None,
            error_message=f"{label}: please fill this in." if required else None,
            is_multiline=multiline or None,
        )

    def when(key: str, label: str) -> DateInput:
        return DateInput(id=key, label=label, value=filled.get(key) or None)

    body: list[CardElement] = [
        heading(f"{'Edit case' if case else 'List a family'} — {panel_name}"),
    ]
    if problem:
        body.append(error(problem))
    body += [
        ToggleInput(
            id="safeguarding",
            title="There is an immediate safeguarding concern",
            label="Safeguarding",
            value=filled.get("safeguarding", "false"),
            value_on="true",
            value_off="false",
        ),
        note("If so, do not list the family: refer to the MASH now."),
        text("reference", "Case reference (from the case system)", 40, required=True),
        ChoiceSetInput(
            id="locality",
            label="Locality",
            is_required=True,
            error_message="Choose a locality.",
            style="compact",
            value=filled.get("locality"),
            choices=[CardChoice(title=loc, value=loc) for loc in localities],
        ),
        ChoiceSetInput(
            id="route",
            label="Referral route",
            is_required=True,
            error_message="Choose a referral route.",
            style="compact",
            value=filled.get("route", Section.NEW_REFERRAL.value),
            choices=[CardChoice(title=t, value=s.value) for s, t in ROUTE_TITLES.items()],
        ),
    ]
    for i in range(1, CHILD_SLOTS + 1):
        body += [
            text(f"child{i}_name", f"Child {i}: name", MAX_NAME, required=i == 1),
            when(f"child{i}_dob", f"Child {i}: date of birth (leave empty if unborn)"),
        ]
    for i in range(1, FAMILY_SLOTS + 1):
        body += [
            text(f"family{i}_name", f"Family member {i}: name", MAX_NAME),
            text(f"family{i}_rel", f"Family member {i}: relationship", 40),
        ]
    body += [
        text(
            "referrer_name",
            "Referred by (name): told when the case is listed and decided",
            MAX_NAME,
        ),
        text("referrer_agency", "Referrer's agency", MAX_NAME),
        text("referrer_contact", "Referrer's e-mail or phone", MAX_NAME),
        text("needs", "Presenting needs", MAX_NEEDS, multiline=True),
        text("consent_by", "Consent to discuss at panel given by", MAX_NAME),
        when("consent_on", "Consent given on"),
    ]
    submit = (
        action("Save changes", Verb.CASE_EDIT, panel=panel_id, case=case.id)
        if case
        else action("Save referral", Verb.CASE_REFER, panel=panel_id)
    )
    return card(body, [submit, back("Back to the list", Verb.CASE_LIST, panel=panel_id)])


def _values_of(case: Case) -> dict[str, str]:
    values = {
        "reference": case.reference,
        "locality": case.locality,
        "route": case.route.value,
        "needs": case.presenting_needs,
        "safeguarding": "false",
    }
    for i, child in enumerate(case.children[:CHILD_SLOTS], 1):
        values[f"child{i}_name"] = child.name
        if child.date_of_birth:
            values[f"child{i}_dob"] = child.date_of_birth.isoformat()
    for i, person in enumerate(case.family[:FAMILY_SLOTS], 1):
        values[f"family{i}_name"], values[f"family{i}_rel"] = person.name, person.relationship
    if case.referrer:
        values["referrer_name"] = case.referrer.name
        values["referrer_agency"] = case.referrer.agency
        values["referrer_contact"] = case.referrer.contact
    if case.consent:
        values["consent_by"] = case.consent.given_by
        values["consent_on"] = case.consent.given_on.isoformat()
    return values


def direct_form(
    panel_id: str,
    case_id: str,
    reference: str,
    agencies: Sequence[str],
    *,
    values: Mapping[str, str] | None = None,
    problem: str = "",
) -> Card:
    """Allocating without panel discussion: to which agency, and why."""
    values = values or {}
    body: list[CardElement] = [heading(f"Allocate {reference} directly?")]
    if problem:
        body.append(error(problem))
    body += [
        note(
            "Without panel discussion: for a family that does not need a multi-agency plan. "
            "The lead agency's members are told 1:1, and the referrer too.",
            subtle=False,
        ),
        ChoiceSetInput(
            id="lead_agency",
            label="Lead agency",
            style="compact",
            is_required=True,
            error_message="Choose the agency that will lead.",
            value=values.get("lead_agency") or None,
            choices=[CardChoice(title=a, value=a) for a in agencies],
        ),
        TextInput(
            id="direct_reason",
            label="Why (kept with the case's record; optional)",
            max_length=MAX_WITHDRAW_REASON,
            is_multiline=True,
            value=values.get("direct_reason") or None,
        ),
    ]
    return card(
        body,
        [
            action(
                "Allocate directly", Verb.CASE_SCREEN, panel=panel_id, case=case_id, to="direct"
            ),
            back("Back to the list", Verb.CASE_LIST, panel=panel_id),
        ],
    )


def withdraw_form(
    panel_id: str, case_id: str, reference: str, *, reason: str = "", problem: str = ""
) -> Card:
    """Before a case is withdrawn: what it means, and why (kept with the case's record)."""
    body: list[CardElement] = [heading(f"Withdraw {reference}?")]
    if problem:
        body.append(error(problem))
    body += [
        note(
            "It comes off every agenda and member's list, messages about it not yet sent will "
            "not go, and it cannot be undone.",
            subtle=False,
        ),
        why(
            f"reason.{case_id}",
            "Why (kept with the case's record)",
            "Say why the case is withdrawn.",
            max_length=MAX_WITHDRAW_REASON,
            value=reason,
        ),
    ]
    return card(
        body,
        [
            action(f"Withdraw {reference}", Verb.CASE_WITHDRAW, panel=panel_id, case=case_id),
            back("Back to the list", Verb.CASE_LIST, panel=panel_id),
        ],
    )


def case_list(
    panel_id: str,
    panel_name: str,
    lines: Sequence[CaseLine],
    *,
    notice: str = "",
    problem: str = "",
) -> Card:
    """Business support's working list: screen, edit or withdraw each case."""
    body: list[CardElement] = [heading(f"Cases before panel — {panel_name}")]
    if problem:
        body.append(error(problem))
    if notice:
        body.append(note(notice, subtle=False))
    if not lines:
        body.append(note("No cases are waiting. Use 'List a family' to add one."))
    for line in lines:
        actions: list[ExecuteAction | ShowCardAction] = []
        if line.awaiting_screening:
            actions += [
                action(
                    "Put on panel list",
                    Verb.CASE_SCREEN,
                    panel=panel_id,
                    case=line.case_id,
                    to="list",
                ),
                action(
                    "Allocate directly",
                    Verb.CASE_SCREEN,
                    panel=panel_id,
                    case=line.case_id,
                    to="direct",
                ),
                action(
                    "Redirect to MASH",
                    Verb.CASE_SCREEN,
                    panel=panel_id,
                    case=line.case_id,
                    to="mash",
                ),
            ]
        if line.editable:
            actions.append(action("Edit", Verb.CASE_EDIT_FORM, panel=panel_id, case=line.case_id))
        if line.withdrawable:
            # Until it is discussed: a family may withdraw consent after the list went out.
            # It cannot be undone: a form asks first, and why (kept with the case's record).
            actions.append(
                action("Withdraw", Verb.CASE_WITHDRAW, panel=panel_id, case=line.case_id)
            )
        items: list[CardElement] = [
            note(
                f"**{line.reference}** · {line.locality} · {ROUTE_NAMES[line.route]} · "
                f"{STATUS_TITLES.get(line.status, line.status.value)}"
                + (
                    f" · rolled over {plural(line.times_rolled_over, 'time')}"
                    if line.times_rolled_over
                    else ""
                ),
                subtle=False,
            ),
            literal(", ".join(line.children), label="Children"),
        ]
        if line.referrer:
            items.append(literal(line.referrer, label="Referred by"))
        if actions:
            items.append(buttons(*actions))
        body.append(Container(separator=True, items=items))
    return card(
        body,
        [
            action("List a family", Verb.CASE_NEW_FORM, panel=panel_id),
            action("Agenda", Verb.AGENDA_VIEW, panel=panel_id),
        ],
    )
