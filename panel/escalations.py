"""An escalation: the panel could not agree who leads, so the decision goes up a route, stage
by stage, while the family keeps a service.

Camden 002: «To escalate a case for decision making, the chair will activate Procedures for
dispute resolution: Stage 3 of the CSCB escalation policy.» «a dispute between agencies should
never leave the family without a service.» «Differences of opinion should be resolved at the
earliest stage possible with escalation to the next stage only taking place where a
satisfactory resolution cannot be found.» So an escalation records its stage, its route, who
owns it and from when, the interim service agreed for the family, each later stage it was
raised to and why, and how it was resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from panel.calendar import long_date
from panel.errors import InvalidInput
from panel.policy import Policy

MAX_INTERIM = 500  # the interim service, as typed
MAX_WHY = 300  # why a stage could not resolve it
MAX_RESOLUTION = 1000  # how it was resolved; with the rest it is minuted in one Teams message


@dataclass(frozen=True)
class Step:
    """A stage the escalation went to: when, and (after the first) why it went further."""

    stage: str
    on: date
    reason: str = ""


@dataclass(frozen=True)
class Escalation:
    case_id: str
    route: str
    owner: str  # person id: who takes it through the stages and records the resolution
    interim_service: str  # what the family gets meanwhile
    steps: tuple[Step, ...]
    interim_agency: str | None = None  # the agency providing it, if one does
    meeting_id: str | None = None  # the sitting that escalated it
    resolved_on: date | None = None
    resolution: str = ""  # as the owner wrote it
    # The later sitting whose minutes reported its resolution (one resolved after the sitting
    # that escalated it closed): each resolution is minuted once.
    minuted_in: str | None = None

    @property
    def stage(self) -> str:
        return self.steps[-1].stage

    @property
    def raised_on(self) -> date:
        return self.steps[0].on

    @property
    def open(self) -> bool:
        return self.resolved_on is None

    def summary(self) -> str:
        """One line for the minutes and the console, the stages in order."""
        stages = "; then ".join(
            f"{s.stage} on {long_date(s.on)}" + (f" ({s.reason})" if s.reason else "")
            for s in self.steps
        )
        given = f" ({self.interim_agency})" if self.interim_agency else ""
        line = _sentence(f"{stages}. Interim service{given}: {self.interim_service}")
        if self.resolved_on is not None:
            line += _sentence(f" Resolved on {long_date(self.resolved_on)}: {self.resolution}")
        return line


def _sentence(text: str) -> str:
    """Ends with a full stop, unless what was typed already ends a sentence."""
    return text if text.rstrip().endswith((".", "!", "?")) else text.rstrip() + "."


def escalate(
    policy: Policy,
    case_id: str,
    *,
    owner: str,
    on: date,
    interim_service: str,
    interim_agency: str | None,
    agencies: frozenset[str],
    meeting_id: str | None,
) -> Escalation:
    """A new escalation at the policy's earliest stage."""
    service = _interim(interim_service)
    if interim_agency is not None and interim_agency not in agencies:
        raise InvalidInput(f"{interim_agency!r} is not an agency of this panel.")
    return Escalation(
        case_id,
        policy.escalation_route,
        owner,
        service,
        (Step(policy.escalation_stages[0], on),),
        interim_agency,
        meeting_id,
    )


def raise_stage(escalation: Escalation, policy: Policy, *, on: date, reason: str) -> Escalation:
    """To the next stage, only when this one could not resolve it (and says why)."""
    _require_open(escalation)
    why = reason.strip()
    if not why or len(why) > MAX_WHY:
        raise InvalidInput(
            f"Say why this stage could not resolve it, in 1 to {MAX_WHY} characters."
        )
    stages = policy.escalation_stages
    at = stages.index(escalation.stage) if escalation.stage in stages else len(stages) - 1
    if at + 1 >= len(stages):
        raise InvalidInput(
            f"{escalation.stage} is this panel's last escalation stage: record its resolution."
        )
    return replace(escalation, steps=(*escalation.steps, Step(stages[at + 1], on, why)))


def resolve(escalation: Escalation, *, on: date, resolution: str) -> Escalation:
    _require_open(escalation)
    text = resolution.strip()
    if not text or len(text) > MAX_RESOLUTION:
        raise InvalidInput(f"Say how it was resolved, in 1 to {MAX_RESOLUTION} characters.")
    return replace(escalation, resolved_on=on, resolution=text)


def _interim(text: str) -> str:
    service = text.strip()
    if not service or len(service) > MAX_INTERIM:
        raise InvalidInput(
            "Say what service the family has while this is escalated (a dispute between "
            f"agencies should never leave the family without one), in 1 to {MAX_INTERIM} "
            "characters."
        )
    return service


def _require_open(escalation: Escalation) -> None:
    if not escalation.open:
        raise InvalidInput("This escalation is already resolved.")
