"""Domain objects to plain rows and back. Plain rows hold plaintext in the `_enc` columns;
the unit of work encrypts them on the way in and decrypts them on the way out."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from panel.agenda import Agenda, AgendaItem, Overflow
from panel.calendar import Period, Unit
from panel.cases import Case, Consent, Person, Referrer, Transition
from panel.escalations import Escalation, Step
from panel.infochecks import InfoCheck, Known
from panel.leads import Handover, LeadRole
from panel.lifecycle import Event, Status
from panel.meeting import (
    CirculationRecord,
    Correction,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesItem,
)
from panel.outcomes import Action, Decision, Milestone
from panel.policy import CaseField, Deadlock, MajorityBase, Section
from panel.quorum import Attendance, Presence
from panel.votes import RoundResult, RoundState, Tally, VoteRound, VoteRule

Row = dict[str, Any]
Rows = dict[str, dict[tuple[Any, ...], Row]]  # table -> primary key -> row

# Primary-key columns of each child table, in order.
KEYS: Mapping[str, tuple[str, ...]] = {
    "cases": ("id",),
    "case_people": ("case_id", "position"),
    "case_transitions": ("case_id", "seq"),
    "decisions": ("case_id",),
    "actions": ("case_id", "seq"),
    "milestones": ("case_id", "code"),
    "meetings": ("id",),
    "agenda_items": ("meeting_id", "number"),
    "agenda_overflow": ("meeting_id", "case_id"),
    "circulations": ("meeting_id", "seq"),
    "info_checks": ("meeting_id", "case_id", "agency"),
    "capacities": ("meeting_id", "agency"),
    "attendance": ("meeting_id", "person_id"),
    "conflicts": ("meeting_id", "case_id", "agency"),
    "vote_rounds": ("id",),
    "votes": ("round_id", "agency"),
    "meeting_steps": ("meeting_id", "key"),
}
CASE_TABLES = ("cases", "case_people", "case_transitions", "decisions", "actions", "milestones")
MEETING_TABLES = (
    "meetings",
    "agenda_items",
    "agenda_overflow",
    "circulations",
    "info_checks",
    "capacities",
    "attendance",
    "conflicts",
    "vote_rounds",
    "votes",
    "meeting_steps",
)


def keyed(table: str, rows: list[Row]) -> dict[tuple[Any, ...], Row]:
    return {tuple(r[k] for k in KEYS[table]): r for r in rows}


# -- Cases ------------------------------------------------------------------------------------


def case_to_rows(case: Case) -> Rows:
    rows: Rows = {t: {} for t in CASE_TABLES}
    rows["cases"] = keyed(
        "cases",
        [
            {
                "id": case.id,
                "panel_id": case.panel_id,
                "reference_enc": case.reference,
                "locality": case.locality,
                "route": case.route.value,
                "status": case.status.value,
                "presenting_needs_enc": case.presenting_needs,
                "consent_given_by_enc": case.consent.given_by if case.consent else None,
                "consent_given_on": case.consent.given_on if case.consent else None,
                "referrer_enc": json.dumps(dataclasses.asdict(case.referrer))
                if case.referrer
                else None,
                "escalation_enc": _escalation(case.escalation),
                "lead_enc": _lead(case.lead),
                "referred_at": case.referred_at,
                "referred_by": case.referred_by,
                "times_rolled_over": case.times_rolled_over,
            }
        ],
    )
    people = [("child", p) for p in case.children] + [("family", p) for p in case.family]
    rows["case_people"] = keyed(
        "case_people",
        [
            {
                "case_id": case.id,
                "position": i,
                "kind": kind,
                "name_enc": p.name,
                "date_of_birth_enc": p.date_of_birth.isoformat() if p.date_of_birth else None,
                "relationship_enc": p.relationship,
            }
            for i, (kind, p) in enumerate(people)
        ],
    )
    rows["case_transitions"] = keyed(
        "case_transitions",
        [
            {
                "case_id": case.id,
                "seq": i,
                "at": t.at,
                "event": t.event.value,
                "status": t.status.value,
                "reason_enc": t.reason,
            }
            for i, t in enumerate(case.history)
        ],
    )
    if case.decision is not None:
        d = case.decision
        rows["decisions"] = keyed(
            "decisions",
            [
                {
                    "case_id": case.id,
                    "outcome": d.outcome,
                    "decided_on": d.decided_on,
                    "lead_agency": d.lead_agency,
                    "taf_agencies": list(d.taf_agencies),
                    "first_taf_within": _period(d.first_taf_within),
                    "rationale_enc": d.rationale,
                    "dissent_enc": d.dissent,
                    "vote_round_id": d.vote_round_id,
                    "meeting_id": d.meeting_id,
                    "also_outcomes": list(d.also),
                    "checklist_enc": json.dumps([list(pair) for pair in d.checklist]),
                    "agreed": d.agreed,
                    "escalated": d.escalated,
                }
            ],
        )
        rows["actions"] = keyed(
            "actions",
            [
                {"case_id": case.id, "seq": i, "owner": a.owner, "text_enc": a.text, "due": a.due}
                for i, a in enumerate(d.actions)
            ],
        )
    rows["milestones"] = keyed(
        "milestones",
        [
            {
                "case_id": case.id,
                "code": m.code,
                "position": i,
                "label": m.label,
                "due": m.due,
                "after": m.after,
                "brings_back_to_panel": m.brings_back_to_panel,
                "done_on": m.done_on,
                "not_possible_enc": m.not_possible,
                "owner": m.owner or None,
                "extended_enc": m.extended or None,
            }
            for i, m in enumerate(case.milestones)
        ],
    )
    return rows


def decision_from_rows(d: Row, actions: list[Row]) -> Decision:
    return Decision(
        case_id=d["case_id"],
        outcome=d["outcome"],
        decided_on=d["decided_on"],
        lead_agency=d["lead_agency"],
        taf_agencies=tuple(d["taf_agencies"]),
        first_taf_within=_unperiod(d["first_taf_within"]),
        actions=tuple(
            Action(a["owner"], a["text_enc"], a["due"])
            for a in sorted(actions, key=lambda r: r["seq"])
        ),
        rationale=d["rationale_enc"],
        dissent=d["dissent_enc"],
        vote_round_id=d["vote_round_id"],
        meeting_id=d["meeting_id"],
        # Decisions recorded before 0010 have none of these: one outcome, no answers.
        also=tuple(d.get("also_outcomes") or ()),
        checklist=tuple(
            (str(line), str(answer)) for line, answer in json.loads(d.get("checklist_enc") or "[]")
        ),
        agreed=bool(d.get("agreed")),
        escalated=bool(d.get("escalated")),
    )


def case_from_rows(rows: Rows) -> Case:
    [c] = rows["cases"].values()
    people = sorted(rows["case_people"].values(), key=lambda r: r["position"])

    def person(r: Row) -> Person:
        dob = r["date_of_birth_enc"]
        return Person(
            r["name_enc"], date.fromisoformat(dob) if dob else None, r["relationship_enc"]
        )

    decision: Decision | None = None
    if rows["decisions"]:
        [d] = rows["decisions"].values()
        decision = decision_from_rows(d, list(rows["actions"].values()))
    return Case(
        id=c["id"],
        panel_id=c["panel_id"],
        reference=c["reference_enc"],
        locality=c["locality"],
        route=Section(c["route"]),
        children=tuple(person(r) for r in people if r["kind"] == "child"),
        family=tuple(person(r) for r in people if r["kind"] == "family"),
        presenting_needs=c["presenting_needs_enc"],
        consent=(
            Consent(c["consent_given_by_enc"], c["consent_given_on"])
            if c["consent_given_by_enc"] is not None
            else None
        ),
        referred_at=aware(c["referred_at"]),
        referred_by=c["referred_by"],
        referrer=_referrer(c.get("referrer_enc")),
        escalation=_unescalation(c.get("escalation_enc")),
        lead=_unlead(c.get("lead_enc")),
        status=Status(c["status"]),
        times_rolled_over=c["times_rolled_over"],
        history=[
            Transition(aware(t["at"]), Event(t["event"]), Status(t["status"]), t["reason_enc"])
            for t in sorted(rows["case_transitions"].values(), key=lambda r: r["seq"])
        ],
        decision=decision,
        milestones=tuple(
            Milestone(
                m["code"],
                m["label"],
                m["due"],
                m["after"],
                m["brings_back_to_panel"],
                m["done_on"],
                m["not_possible_enc"],
                m.get("owner") or "",
                m.get("extended_enc") or "",
            )
            for m in sorted(rows["milestones"].values(), key=lambda r: r["position"])
        ),
    )


# -- Meetings ---------------------------------------------------------------------------------


def meeting_to_rows(m: Meeting) -> Rows:
    rows: Rows = {t: {} for t in MEETING_TABLES}
    rows["meetings"] = keyed(
        "meetings",
        [
            {
                "id": m.id,
                "panel_id": m.panel_id,
                "panel_date": m.panel_date,
                "status": m.status.value,
                "frozen": m.agenda is not None,
                "minutes_enc": _minutes(m.minutes),
                "aob_enc": json.dumps(m.aob) if m.aob else None,
                "in_hand": m.in_hand,
                "consoles": dict(sorted(m.consoles.items())) or None,
                "corrections_enc": json.dumps([dataclasses.asdict(c) for c in m.corrections])
                if m.corrections
                else None,
            }
        ],
    )
    if m.agenda is not None:
        rows["agenda_items"] = keyed(
            "agenda_items",
            [
                {
                    "meeting_id": m.id,
                    "number": i.number,
                    "case_id": i.case_id,
                    "section": i.section.value,
                    "locality": i.locality,
                }
                for i in m.agenda.items
            ],
        )
        rows["agenda_overflow"] = keyed(
            "agenda_overflow",
            [
                {
                    "meeting_id": m.id,
                    "case_id": o.case_id,
                    "locality": o.locality,
                    "reason": o.reason,
                }
                for o in m.agenda.overflow
            ],
        )
    rows["circulations"] = keyed(
        "circulations",
        [
            {
                "meeting_id": m.id,
                "seq": i,
                "person_id": c.person_id,
                "agency": c.agency,
                "case_ids": list(c.case_ids),
                "fields": sorted(f.value for f in c.fields),
                "basis": c.basis,
                "at": c.at,
            }
            for i, c in enumerate(m.circulations)
        ],
    )
    rows["info_checks"] = keyed(
        "info_checks",
        [
            {
                "meeting_id": m.id,
                "case_id": a.case_id,
                "agency": a.agency,
                "known": a.known.value,
                "information_enc": a.information,
                "could_lead": a.could_lead,
                "answered_by": a.answered_by,
                "answered_at": a.answered_at,
                "late": a.late,
            }
            for a in m.answers.values()
        ],
    )
    rows["capacities"] = keyed(
        "capacities",
        [{"meeting_id": m.id, "agency": a, "allocations": n} for a, n in m.capacity.items()],
    )
    rows["attendance"] = keyed(
        "attendance",
        [
            {
                "meeting_id": m.id,
                "person_id": a.person_id,
                "agency": a.agency,
                "presence": a.presence.value,
                "accepted_statement": a.accepted_statement,
            }
            for a in m.attendance.values()
        ],
    )
    rows["conflicts"] = keyed(
        "conflicts",
        [{"meeting_id": m.id, "case_id": c, "agency": a} for c, a in m.conflicts],
    )
    rows["vote_rounds"] = keyed(
        "vote_rounds",
        [
            {
                "id": r.id,
                "meeting_id": m.id,
                "case_id": r.case_id,
                "number": r.number,
                "candidates": list(r.candidates),
                "eligible": sorted(r.eligible),
                "rule": _rule(r.rule),
                "state": r.state.value,
                "result": _result(r.result),
            }
            for r in m.rounds.values()
        ],
    )
    rows["votes"] = keyed(
        "votes",
        [
            {"round_id": r.id, "agency": agency, "choice": choice}
            for r in m.rounds.values()
            for agency, choice in r.votes.items()
        ],
    )
    rows["meeting_steps"] = keyed(
        "meeting_steps", [{"meeting_id": m.id, "key": k} for k in sorted(m.done)]
    )
    return rows


def meeting_from_rows(rows: Rows, decisions: Mapping[str, Decision]) -> Meeting:
    [r] = rows["meetings"].values()
    agenda = None
    if r["frozen"]:
        agenda = Agenda(
            tuple(
                AgendaItem(i["number"], i["case_id"], Section(i["section"]), i["locality"])
                for i in sorted(rows["agenda_items"].values(), key=lambda x: x["number"])
            ),
            tuple(
                Overflow(o["case_id"], o["locality"], o["reason"])
                for o in sorted(rows["agenda_overflow"].values(), key=lambda x: x["case_id"])
            ),
        )
    votes_by_round: dict[str, dict[str, str]] = {}
    for v in rows["votes"].values():
        votes_by_round.setdefault(v["round_id"], {})[v["agency"]] = v["choice"]
    rounds = {
        v["id"]: VoteRound(
            v["id"],
            v["case_id"],
            v["number"],
            tuple(v["candidates"]),
            frozenset(v["eligible"]),
            _unrule(v["rule"]),
            votes_by_round.get(v["id"], {}),
            RoundState(v["state"]),
            _unresult(v["result"]),
        )
        for v in sorted(rows["vote_rounds"].values(), key=lambda x: (x["case_id"], x["number"]))
    }
    return Meeting(
        id=r["id"],
        panel_id=r["panel_id"],
        panel_date=r["panel_date"],
        status=MeetingStatus(r["status"]),
        agenda=agenda,
        answers={
            (a["case_id"], a["agency"]): InfoCheck(
                a["case_id"],
                a["agency"],
                Known(a["known"]),
                a["information_enc"],
                a["could_lead"],
                a["answered_by"],
                aware(a["answered_at"]),
                a["late"],
            )
            for a in rows["info_checks"].values()
        },
        capacity={c["agency"]: c["allocations"] for c in rows["capacities"].values()},
        attendance={
            a["person_id"]: Attendance(
                a["person_id"], a["agency"], Presence(a["presence"]), a["accepted_statement"]
            )
            for a in rows["attendance"].values()
        },
        conflicts={(c["case_id"], c["agency"]) for c in rows["conflicts"].values()},
        rounds=rounds,
        decisions=dict(decisions),
        circulations=[
            CirculationRecord(
                c["person_id"],
                c["agency"],
                tuple(c["case_ids"]),
                frozenset(CaseField(f) for f in c["fields"]),
                c["basis"],
                aware(c["at"]),
            )
            for c in sorted(rows["circulations"].values(), key=lambda x: x["seq"])
        ],
        done={s["key"] for s in rows["meeting_steps"].values()},
        minutes=_unminutes(r["minutes_enc"]),
        aob=json.loads(r["aob_enc"]) if r.get("aob_enc") else [],
        in_hand=r.get("in_hand"),
        consoles=dict(r.get("consoles") or {}),
        corrections=[Correction(**c) for c in json.loads(r.get("corrections_enc") or "[]")],
    )


# -- JSON helpers -----------------------------------------------------------------------------


def to_utc(moment: datetime) -> datetime:
    """Stored times are UTC: SQLite keeps the wall time and drops the offset, and compares text."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Times given to storage must be timezone-aware.")
    return moment.astimezone(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _referrer(text: str | None) -> Referrer | None:
    if not text:
        return None
    raw = json.loads(text)
    return Referrer(str(raw["name"]), str(raw.get("agency", "")), str(raw.get("contact", "")))


def _escalation(escalation: Escalation | None) -> str | None:
    return None if escalation is None else json.dumps(dataclasses.asdict(escalation), default=str)


def _unescalation(text: str | None) -> Escalation | None:
    if not text:
        return None
    raw = json.loads(text)
    resolved = raw.get("resolved_on")
    return Escalation(
        case_id=raw["case_id"],
        route=raw["route"],
        owner=raw["owner"],
        interim_service=raw["interim_service"],
        steps=tuple(
            Step(s["stage"], date.fromisoformat(s["on"]), s.get("reason", "")) for s in raw["steps"]
        ),
        interim_agency=raw.get("interim_agency"),
        meeting_id=raw.get("meeting_id"),
        resolved_on=date.fromisoformat(resolved) if resolved else None,
        resolution=raw.get("resolution", ""),
        minuted_in=raw.get("minuted_in"),
    )


def _lead(lead: LeadRole | None) -> str | None:
    return None if lead is None else json.dumps(dataclasses.asdict(lead), default=str)


def _unlead(text: str | None) -> LeadRole | None:
    if not text:
        return None
    return LeadRole(
        tuple(
            Handover(
                h["to_person"], h["to_agency"], date.fromisoformat(h["on"]), h["by"], h["reason"]
            )
            for h in json.loads(text)["history"]
        )
    )


def _period(p: Period | None) -> dict[str, Any] | None:
    return None if p is None else {"amount": p.amount, "unit": p.unit.value}


def _unperiod(raw: dict[str, Any] | None) -> Period | None:
    return None if raw is None else Period(raw["amount"], Unit(raw["unit"]))


def _rule(rule: VoteRule) -> dict[str, Any]:
    return {
        "majority_base": rule.majority_base.value,
        "chair_casting_vote": rule.chair_casting_vote,
        "on_deadlock": rule.on_deadlock.value,
        "max_revotes": rule.max_revotes,
        "escalation_route": rule.escalation_route,
    }


def _unrule(raw: dict[str, Any]) -> VoteRule:
    return VoteRule(
        MajorityBase(raw["majority_base"]),
        raw["chair_casting_vote"],
        Deadlock(raw["on_deadlock"]),
        raw["max_revotes"],
        raw["escalation_route"],
    )


def _result(result: RoundResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "state": result.state.value,
        "counts": [list(c) for c in result.tally.counts],
        "cast": result.tally.cast,
        "base": result.tally.base,
        "winner": result.winner,
        "contenders": list(result.contenders),
        "by_casting_vote": result.by_casting_vote,
        "escalation_route": result.escalation_route,
    }


def _unresult(raw: dict[str, Any] | None) -> RoundResult | None:
    if raw is None:
        return None
    return RoundResult(
        RoundState(raw["state"]),
        Tally(tuple((str(n), int(c)) for n, c in raw["counts"]), raw["cast"], raw["base"]),
        raw["winner"],
        tuple(raw["contenders"]),
        raw["by_casting_vote"],
        raw["escalation_route"],
    )


def _minutes(minutes: Minutes | None) -> str | None:
    """The minutes as JSON (tuples as lists, dates as ISO); free text, so encrypted."""
    if minutes is None:
        return None
    raw = dataclasses.asdict(minutes)
    raw["panel_date"] = minutes.panel_date.isoformat()
    raw["next_panel"] = minutes.next_panel.isoformat() if minutes.next_panel else None
    return json.dumps(raw)


def _unminutes(text: str | None) -> Minutes | None:
    """Minutes stored by any version: fields added since read as their defaults."""
    if text is None:
        return None
    raw = json.loads(text)
    items = tuple(MinutesItem(**_tuples(i)) for i in raw.pop("items"))
    fields = _tuples(raw)
    fields["panel_date"] = date.fromisoformat(raw["panel_date"])
    fields["next_panel"] = date.fromisoformat(raw["next_panel"]) if raw.get("next_panel") else None
    return Minutes(items=items, **fields)


def _tuples(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
