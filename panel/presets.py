"""The four seed authorities' policies, as data (PRODUCT.md: Barnet, Camden, St Helens,
Leicester). Each preset's `sources` cites, for every setting, the seed file and the clause's own
words, or says DEFAULT and why where the seed is silent; tests check the words are really there
and that no setting goes without a source (tests/panel/test_policy.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta
from types import MappingProxyType

from panel.calendar import Period, Unit
from panel.policy import (
    Anchor,
    Break,
    Cadence,
    Candidates,
    Deadlock,
    MajorityBase,
    MilestoneRule,
    Moment,
    Outcome,
    Policy,
    QuorumBasis,
    Section,
)

# -- Presets ----------------------------------------------------------------------------------
# Seed files: 000 Barnet MAEHP protocol, 001 Barnet Early Help Operational Protocol 2023,
# 002 Camden allocation panel terms, 003 St Helens standards, 004 Leicester protocol.
# A source is either `<file> <where>: «exact words»` or starts with "DEFAULT" where the seed is
# silent and we chose a value the authority should confirm.

_NEXT_WORKING_DAY = "DEFAULT: a panel day that is a bank holiday moves to the next working day."
_RETENTION = "DEFAULT: no seed states a period; anonymise 24 months after closure."
_NUDGE = "DEFAULT: no seed says when to remind the lead; 2 working days before, and on the day."
_DRIFT = "DEFAULT: the drift report flags episodes open over 12 months (Barnet's rule)."
# Settings no seed speaks to, the same for every preset, each with why it is what it is.
_SILENT = {
    "timezone": "DEFAULT: every seed authority is in England; Europe/London.",
    "region": "DEFAULT: England's bank holidays, as every seed authority is in England.",
    "mash_contact": "DEFAULT: none; each council sets its own front door's number in its "
    "configuration (the seeds' own numbers, where they give one, are in safeguarding_message).",
    "circulated_fields": "DEFAULT: no seed lists what the case list carries; the reference, "
    "locality, route, children's names and dates of birth and presenting needs, so each agency "
    "can search its own records; family members and the address are not circulated.",
    "info_max_length": "DEFAULT: no seed limits an answer; 2,000 characters, so 20 agencies' "
    "answers still fit one Teams message.",
    "max_revotes": "DEFAULT: no seed provides a re-vote; used only by a panel whose deadlock "
    "is a re-vote.",
    "week_of_month": "DEFAULT: used by monthly panels only.",
}
_ONE_OUTCOME = "DEFAULT: the seed does not say a case may have several outcomes; one each."
_NOT_REQUIRED = "DEFAULT: the seed does not make the panel answer its checklist for each case."
_NO_BREAK = "DEFAULT: the seed sets no break; none in a 2-hour panel."
_NO_CASELOADS = "DEFAULT: the seed sets no caseload limits; each council sets its own."

BARNET = Policy(
    key="barnet",
    name="Barnet Multi-Agency Early Help Panel",
    cadence=Cadence.WEEKLY,
    weekday=1,
    meeting_time=time(9, 30),
    meeting_length=timedelta(hours=3),
    breaks=(Break(time(11, 0), 15),),
    cutoff=Moment(4, time(12, 0)),
    circulation=Moment(4, time(14, 0)),
    # Answers are collated over the 4 working days and presented at the panel (000 §5).
    info_check_deadline=Moment(0, time(9, 0)),
    reminders=(Moment(2, time(10, 0)), Moment(1, time(12, 0))),
    localities=("South", "West", "East/Central"),
    max_cases_per_locality=5,
    consent_required_for=frozenset(Section),
    key_agencies=frozenset({"Early Help", "MASH", "Health", "Police", "Education"}),
    quorum_basis=QuorumBasis.KEY_MEMBERS,
    quorum_minimum=3,
    confidentiality_statement=(
        "There is an Information Sharing Agreement in place signed by all partner agencies to "
        "the panel. I will use what is shared here only for this panel's decisions."
    ),
    checklist=(
        "An Early Help Assessment is needed: more than 3 agencies are involved, and there is a "
        "wide range of needs.",
        "The lead agency is identified and has capacity.",
        "The Team Around the Family agencies are named.",
        "A time frame for the first TAF meeting is agreed.",
    ),
    candidates=Candidates.OFFERED_TO_LEAD,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=True,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route="Return to the panel as a stuck case, or escalate to the Head of Service.",
    escalation_stages=("Head of Service",),
    outcomes=(
        Outcome(
            "eha",
            "Initiate an Early Help Assessment in a hub or in the community",
            needs_taf=True,
        ),
        # No lead professional and no TAF: Early Help practitioners deliver it (sources).
        Outcome(
            "universal-plus",
            "Initiate a Universal Plus intervention",
            needs_lead=False,
            carried_by="Early Help",
        ),
        Outcome("step-up-mash", "Initiate step up to MASH", needs_lead=False, closes_case=True),
        # A task for the Early Help Coordinator, tracked until done (sources: outcomes.follow-up).
        Outcome(
            "follow-up",
            "Further follow up/signposting by the Early Help Coordinator",
            needs_lead=False,
            carried_by="Early Help",
        ),
    ),
    combine_outcomes=True,
    milestones=(
        MilestoneRule("contact", "Contact the family", Period(2, Unit.WORKING_DAYS)),
        MilestoneRule("home-visit", "Arrange a home visit", Period(7, Unit.WORKING_DAYS)),
        MilestoneRule("assessment", "Complete the Early Help Assessment", Period(6, Unit.WEEKS)),
        MilestoneRule(
            "first-taf",
            "Convene the first Team Around the Family meeting",
            Period(10, Unit.WORKING_DAYS),
            anchor=Anchor.MILESTONE,
            after="assessment",
            set_at_panel=True,
        ),
        MilestoneRule(
            "taf-review",
            "Reconvene the Team Around the Family (review)",
            Period(12, Unit.WEEKS),
            anchor=Anchor.MILESTONE,
            after="first-taf",
            every=Period(12, Unit.WEEKS),
        ),
        MilestoneRule(
            "voice-of-the-child",
            "See the child and record their voice",
            Period(4, Unit.WEEKS),
            every=Period(4, Unit.WEEKS),
        ),
        MilestoneRule(
            "step-down-concluded",
            "Conclude the step-down work (6 months; a line manager may extend it)",
            Period(6, Unit.MONTHS),
            for_routes=frozenset({Section.STEP_DOWN}),
            extension_by_manager=True,
            extendable_to=Period(12, Unit.MONTHS),
        ),
        MilestoneRule(
            "universal-plus-review",
            "Review the Universal Plus work with the family (6 weeks; up to 12 if extended in "
            "supervision)",
            Period(6, Unit.WEEKS),
            for_outcomes=frozenset({"universal-plus"}),
            extendable_to=Period(12, Unit.WEEKS),
        ),
        MilestoneRule(
            "follow-up",
            "Complete the follow up/signposting (Early Help Coordinator)",
            Period(10, Unit.WORKING_DAYS),
            for_outcomes=frozenset({"follow-up"}),
        ),
    ),
    retention=Period(24, Unit.MONTHS),
    caseload_limits=MappingProxyType(
        {"lead-professional": 15, "advanced-practitioner": 10, "supporting-families": 4}
    ),
    closure_checks=(
        "If the plan is completed, the Team Around the Family has ratified that it is achieved.",
        "Any referral to universal services the family needs is made.",
    ),
    sources=MappingProxyType(
        {
            "closure_checks": "001 §7.4: «If the plan has been completed, the TAF must ratify "
            "that it has been achieved and if any universal services are required which need a "
            "referral, the LP must complete this prior to closing the intervention.»",
            "caseload_limits": "001 §25.2: «we expect frontline Early Help practitioners to hold "
            "a maximum of LP role for 15 families.» §25.4: «Advanced Practitioners, the "
            "expectation is that they will hold a caseload of up to 10 families» §20.3: «They "
            "can also hold support for up to 4 families each as LP»",
            "outcomes.step-up-mash": "000: «Initiate step up to MASH» (the case leaves the "
            "panel for the MASH: closed here, DEFAULT).",
            **_SILENT,
            "circulated_fields": "000 Preparation: «Sending a secure email to panel members with "
            "the list of children and young people in advance to allow them time to prepare» "
            "(which fields: DEFAULT, as for every preset).",
            "meeting_length": "DEFAULT: 09:30 to 12:30, around the 11:00 break (no length in "
            "the seeds).",
            "sections": "000 Agenda: «Discuss new Early Help referrals» «Review open cases that "
            "may require additional interventions» «Review open cases with children social care "
            "where the risks have reduced but oversight of Early Help would benefit the child» "
            "000: «it needs to return to the panel (stuck cases)»",
            "quorum_basis": "DEFAULT: no quorum in the seeds; counted in key agencies present.",
            "checklist_required": _NOT_REQUIRED,
            "candidates": "000 Chairing: «Identify the lead service or organisation for each case "
            "where a decision is needed» (between the agencies present that offered to lead: "
            "DEFAULT).",
            "majority_base": "DEFAULT: the seeds have no vote rule; a majority of votes cast.",
            "on_deadlock": "000: «or it requires escalation» (after the chair's casting vote, "
            "which settles a tie first).",
            "cadence": "000 §5 Frequency: «Meetings are held weekly and will take place at the "
            "same time held virtually using Microsoft Teams.»",
            "weekday": "001 §5.4: «The Early Help Panel currently meets weekly on Tuesday "
            "mornings.»",
            "meeting_time": "DEFAULT: no start time in the seeds; 09:30 to 12:30 around the "
            "11:00 break.",
            "breaks": "000 §5 Agenda: «The meeting will hold a 15-minute break in discussion at "
            "11am»",
            "cutoff": "000 §5 Chairing: «All cases identified by Wednesday midday will be "
            "circulated for Wednesday afternoon to panel members who will have 4 working days to "
            "collate information and present the following Tuesday at panel.»",
            "circulation": "000 §5 Chairing: «circulated for Wednesday afternoon» (the hour, "
            "14:00, is a DEFAULT).",
            "info_check_deadline": "000 §5 Chairing: «panel members who will have 4 working "
            "days to collate information and present the following Tuesday at panel» (so "
            "answers are due on the panel's morning; 09:00, half an hour before it sits, is a "
            "DEFAULT).",
            "reminders": "DEFAULT: Friday 10:00 and Monday 12:00.",
            "localities": "001 §4.2: «the managers responsible for the Early Help Hub trays "
            "(South, West & East/Central)»",
            "max_cases_per_locality": "000 Preparation: «(maximum of 5 cases per locality weekly)»",
            "consent_required_for": "000: «If consent is not given, the case cannot be discussed "
            "at the Multi Agency Early Help Panel»",
            "safeguarding_message": "000 Support: «Any safeguarding issues should be referred "
            "immediately to the MASH and not wait for a panel discussion.»",
            "key_agencies": "DEFAULT: the seeds name 21 representatives but no key members.",
            "quorum_minimum": "DEFAULT: no quorum in the seeds; 3 key agencies present.",
            "confidentiality_statement": "001 §5.3: «There is an Information Sharing Agreement "
            "in place signed by all partner agencies to the panel.»",
            "checklist": "001 §5.1: «as there are more than 3 agencies involved, and there are a "
            "wide range of needs» (001's appendix says «where there are three or more services "
            "involved»; the preset follows §5.1, the clause on when the panel is used); 000 "
            "Agenda: «Identification of lead agency who will take on responsibility for "
            "completing an Early Help Assessment and to provide a time frame for the first TAF "
            "meeting»",
            "chair_casting_vote": "000 Chairing: «Identify the lead service or organisation for "
            "each case where a decision is needed» (the chair decides a tie: DEFAULT).",
            "escalation_route": "000: «it needs to return to the panel (stuck cases) or it "
            "requires escalation.»",
            "escalation_stages": "DEFAULT: 000 says a case «requires escalation» but not to "
            "whom; the Head of Service.",
            "combine_outcomes": "000: «will recommend one or a combination of the following:»",
            "outcomes.eha": "000 Agenda: «Identification of lead agency who will take on "
            "responsibility for completing an Early Help Assessment and to provide a time frame "
            "for the first TAF meeting» (a lead and a Team Around the Family).",
            "outcomes.universal-plus": "001 §21.2: «There is no need for a Lead Professional or "
            "a TAF to be in place.» 001 §5.5: «will be allocated by Early Help managers directly "
            "to Early Help Practitioners»",
            "outcomes.follow-up": "000: «Further follow up/signposting to be completed by the "
            "Early Help Coordinator» (a task, so the case stays open until it is done).",
            "milestones.step-down-concluded": "001 §14.2: «Engagement in the majority of "
            "step-down work is generally concluded within a **6-month** period» «If the LP is of "
            "the opinion that the family has new needs, then line management approval to extend "
            "the engagement period should be sought.» (extended once, to 12 months at most: "
            "DEFAULT, the seed sets no limit)",
            "milestones.universal-plus-review": "001 §21.4: «up to 6 weeks, with a possible "
            "extension if agreed in supervision up to 12 weeks maximum» «it may be agreed, with "
            "management oversight to extend the intervention for a further 6 weeks»",
            "milestones.follow-up": "DEFAULT: 000 gives the Early Help Coordinator's follow up "
            "no timescale; 10 working days.",
            "outcomes": "000: «will recommend one or a combination of the following:» «Initiate "
            "a Universal Plus intervention» «Initiate step up to MASH» «Further follow "
            "up/signposting to be completed by the Early Help Coordinator»",
            "milestones.contact": "001 §6.1: «The LP should make contact with the family within "
            "**2 working days** of the work being allocated»",
            "milestones.home-visit": "001 §6.1: «arrange a home visit within **7 working days**»",
            "milestones.assessment": "001 §6.1: «The EHA should be completed within a maximum "
            "of 6 weeks of allocation.»",
            "milestones.first-taf": "001 §5.8: «An initial TAF meeting will be convened within "
            "10 working days of the LP concluding an Early Help Assessment (EHA) of the "
            "family.»",
            "milestones.taf-review": "001 §7.3: «The TAF will be reconvened every 12 weeks or "
            "sooner (dependent on circumstances) until it is agreed that:» (so it recurs until "
            "the case closes)",
            "milestones.voice-of-the-child": "001 §7.2: «The LP must record the voice of the "
            "child at a minimum of every 4 weeks for the duration of the intervention.»",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": "001 §22.2: «where the EHA is approaching being open for more "
            "than a year»",
        }
    ),
)

CAMDEN = Policy(
    key="camden",
    name="Camden Early Help Allocation Panel",
    cadence=Cadence.WEEKLY,
    weekday=3,
    meeting_time=time(10, 0),
    meeting_length=timedelta(hours=2),
    cutoff=Moment(1, time(12, 0)),
    circulation=Moment(1, time(13, 30)),
    info_check_deadline=Moment(0, time(9, 0)),
    reminders=(Moment(1, time(16, 0)), Moment(0, time(8, 30))),
    localities=("Camden",),
    max_cases_per_locality=8,
    consent_required_for=frozenset({Section.STEP_DOWN}),
    key_agencies=frozenset(
        {
            "Early Help Community & Practice",
            "Integrated Early Years' Service",
            "Family Services",
            "Transformation Team",
            "Integrated Youth Support Service",
        }
    ),
    quorum_basis=QuorumBasis.KEY_MEMBERS,
    quorum_minimum=3,
    confidentiality_statement=(
        "I will adhere to the confidentiality and information sharing agreements of this panel "
        "(Early Help Panel sign-in sheet)."
    ),
    checklist=(
        "Threshold has been checked against the threshold document and the case meets level 2 "
        "threshold.",
        "There is enough information to adequately identify the child and family needs.",
        "Those needs have been matched to the right service.",
        "If the right early help service is not an LBC service, an alternative service in the "
        "community has been identified and the referrer advised how to refer to that service.",
    ),
    checklist_required=True,
    candidates=Candidates.ALL_PRESENT,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=False,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route=(
        "The chair activates Procedures for dispute resolution: Stage 3 of the CSCB escalation "
        "policy. The family must not be left without a service meanwhile."
    ),
    escalation_stages=(
        "Stage 3 of the CSCB escalation policy",
        "Stage 4 of the CSCB escalation policy",
    ),
    outcomes=(
        Outcome("allocate", "Allocate to an LBC Early Help service"),
        Outcome(
            "community-alternative",
            "Alternative service in the community identified; referrer advised",
            needs_lead=False,
            closes_case=True,
        ),
        Outcome(
            "recommendations",
            "Recommendations and case guidance (threshold not met or another agency)",
            needs_lead=False,
            closes_case=True,
        ),
    ),
    milestones=(
        MilestoneRule("contact", "A worker contacts the family", Period(5, Unit.WORKING_DAYS)),
    ),
    retention=Period(24, Unit.MONTHS),
    sources=MappingProxyType(
        {
            "outcomes.allocate": "002: «a worker makes contact with the family within 5 working "
            "days from the Early Help Allocation Panel meeting.» (the service allocated leads)",
            "outcomes.community-alternative": "002: «If the right early help service is not an "
            "LBC service, an alternative service in the community has been identified and the "
            "referrer advised how to refer to that service» (nothing for the panel to track)",
            "outcomes.recommendations": "002: «Recommendations and case guidance for cases that "
            "do not meet threshold for step down» (nothing for the panel to track)",
            **_SILENT,
            "caseload_limits": _NO_CASELOADS,
            "closure_checks": "DEFAULT: the seed lists nothing to confirm before closing.",
            "meeting_time": "DEFAULT: 10:00 (see weekday).",
            "meeting_length": "002 Meeting requirements: «The group will meet weekly for 2 hours»",
            "breaks": _NO_BREAK,
            "localities": "DEFAULT: one borough-wide panel; 002 names no localities.",
            "sections": "002: «For cases being stepped down where there have been difficulties "
            "identifying a Lead Professional/agency» (the other sections: DEFAULT).",
            "quorum_basis": "002: «Panel must be quorate to undertake a vote – 3 of 5 from key "
            "membership»",
            "candidates": "002: «Agreement regarding which early help service should receive a "
            "case should be by way of a simple majority panel vote» (every service present is a "
            "candidate: DEFAULT).",
            "on_deadlock": "002: «Where agreement cannot be reached by vote, the escalation "
            "policy will be activated by the chair»",
            "combine_outcomes": _ONE_OUTCOME,
            "reminders": "DEFAULT: 002 sets no reminders (it never mentions one); 16:00 the "
            "working day before and 08:30 on the day.",
            "cadence": "002 Meeting requirements: «The group will meet weekly for 2 hours»",
            "weekday": "DEFAULT: no weekday or start time in the seed; Thursday 10:00 to 12:00.",
            "circulation": "002: «List of cases to be discussed to be sent by 1.30pm of the day "
            "prior to meeting where possible.»",
            "cutoff": "DEFAULT: 12:00 on the working day before, just ahead of circulation.",
            "info_check_deadline": "DEFAULT: 09:00 on the panel day.",
            "max_cases_per_locality": "DEFAULT: not in the seed; 8 cases for a 2-hour panel.",
            "consent_required_for": "002: «Explicit consent for panel is not required. Consent "
            "to referral includes the implied consent for discussion across all EH teams and "
            "relevant partners.» and, for step-downs, «ensuring full informed consent for "
            "discussion at the panel has been gained.»",
            "safeguarding_message": "DEFAULT: Barnet's wording; Camden refers at the «front "
            "door or MASH»",
            "key_agencies": "DEFAULT: the seed says «3 of 5 from key membership» but does not "
            "name them; these are its five core services.",
            "quorum_minimum": "002: «Panel must be quorate to undertake a vote – 3 of 5 from "
            "key membership»",
            "confidentiality_statement": "002: «Confidentiality & information sharing "
            "agreements to be adhered to. (Appendix 1 EHP Sign in sheet)»",
            "checklist": "002 Checklist for decision making: «Threshold has been checked "
            "against the threshold document and the case meets level 2 threshold.» «There is "
            "enough information to adequately identify the child and family needs.» «Those "
            "needs have been matched to the right service» «If the right early help service is "
            "not an LBC service, an alternative service in the community has been identified "
            "and the referrer advised how to refer to that service»",
            "checklist_required": "002 Decision making: «Checklist for decision making:»",
            "escalation_stages": "002: «Stage 3 of the CSCB escalation policy» «Differences of "
            "opinion should be resolved at the earliest stage possible with escalation to the "
            "next stage only taking place where a satisfactory resolution cannot be found.» "
            "(the next stage's name: DEFAULT; the seed names no later one)",
            "majority_base": "002: «Agreement regarding which early help service should receive "
            "a case should be by way of a simple majority panel vote in the first instance.»",
            "chair_casting_vote": "002: «Where agreement cannot be reached by vote, the "
            "escalation policy will be activated by the chair»",
            "escalation_route": "002: «To escalate a case for decision making, the chair will "
            "activate Procedures for dispute resolution: Stage 3 of the CSCB escalation "
            "policy.» «a dispute between agencies should never leave the family without a "
            "service.»",
            "outcomes": "002: «Recommendations and case guidance for cases that do not meet "
            "threshold for step down» (the list itself is a DEFAULT).",
            "milestones.contact": "002: «a worker makes contact with the family within 5 "
            "working days from the Early Help Allocation Panel meeting.»",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": _DRIFT,
        }
    ),
)

ST_HELENS = Policy(
    key="st-helens",
    name="St Helens Level 2 Panel",
    cadence=Cadence.WEEKLY,
    weekday=2,
    meeting_time=time(13, 30),
    meeting_length=timedelta(hours=2),
    cutoff=Moment(3, time(12, 0)),
    circulation=Moment(3, time(14, 0)),
    info_check_deadline=Moment(1, time(16, 0)),
    reminders=(Moment(1, time(10, 0)),),
    localities=("St Helens",),
    max_cases_per_locality=6,
    consent_required_for=frozenset(Section),
    safeguarding_message=(
        "For Child Protection concerns a telephone call must be made to Contact Cares "
        "01744 676767, followed by a MASH service request. This family has not been listed."
    ),
    key_agencies=frozenset({"Early Help", "Home Start", "Health", "Education", "Police"}),
    quorum_basis=QuorumBasis.AGENCIES,
    quorum_minimum=3,
    confidentiality_statement=(
        "Parents and young people have given their permission for information about them to "
        "be shared at this meeting, for the purpose of ensuring that their children's needs "
        "are met. I will not share this information outside this meeting unless there are "
        "concerns about the safety of a child, or to support access to service provision on "
        "the family's behalf."
    ),
    checklist=(
        "What are the predominant needs of the unborn, child or family?",
        "Which agency has main responsibility for addressing those needs?",
        "Is this a statutory case (Social Care always leads)?",
        "Does anyone have an ongoing or a strong working relationship with the child?",
        "Who would the family prefer as their central point of contact?",
    ),
    candidates=Candidates.OFFERED_TO_LEAD,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=True,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route="Refer to the Multi-agency Resolution Policy.",
    escalation_stages=("The Lead Professional's manager", "Multi-agency Resolution Policy"),
    closure_checks=("The EHAT closure checklist is completed.",),
    outcomes=(
        Outcome("advice", "Advice and support only", needs_lead=False, closes_case=True),
        Outcome("home-start", "Home Start family support allocated"),
        Outcome("patch-agreed", "PATCH funding agreed"),
        Outcome("patch-declined", "PATCH funding declined", needs_lead=False, closes_case=True),
        # Kept open until the MASH's outcome is known (sources: outcomes.step-up-mash).
        Outcome("step-up-mash", "Step up to MASH", needs_lead=False),
        Outcome("signpost", "Signpost to universal services", needs_lead=False, closes_case=True),
    ),
    milestones=(
        # PATCH funding needs a current plan already, so it sets no new Family Action Meeting
        # (sources: milestones.family-action-meeting).
        MilestoneRule(
            "family-action-meeting",
            "Hold the Family Action Meeting",
            Period(15, Unit.WORKING_DAYS),
            for_outcomes=frozenset({"home-start"}),
        ),
        MilestoneRule(
            "plan-circulated",
            "Circulate the Family Action Plan",
            Period(10, Unit.WORKING_DAYS),
            anchor=Anchor.MILESTONE,
            after="family-action-meeting",
            for_outcomes=frozenset({"home-start"}),
        ),
        MilestoneRule(
            "plan-review",
            "Review the Family Action Plan",
            Period(1, Unit.MONTHS),
            anchor=Anchor.MILESTONE,
            after="family-action-meeting",
            for_outcomes=frozenset({"home-start"}),
            every=Period(3, Unit.MONTHS),
        ),
        MilestoneRule(
            "lead-contact",
            "See the child alone (Lead Professional contact)",
            Period(4, Unit.WEEKS),
            for_outcomes=frozenset({"home-start", "patch-agreed"}),
            every=Period(4, Unit.WEEKS),
        ),
        MilestoneRule(
            "panel-review",
            "Review at Level 2 Panel",
            Period(3, Unit.MONTHS),
            brings_back_to_panel=True,
            for_outcomes=frozenset({"home-start", "patch-agreed"}),
        ),
    ),
    retention=Period(24, Unit.MONTHS),
    sources=MappingProxyType(
        {
            "outcomes.advice": "DEFAULT: advice and support only; nothing for the panel to track.",
            "outcomes.home-start": "003 Standard 10: «delivered by the named commissioned family "
            "support service Home Start via L2 Panel»",
            "outcomes.patch-agreed": "003: «Funding will be considered on a case by case basis at "
            "Level 2 Panel» (the lead is the agency holding the current plan: DEFAULT).",
            "outcomes.patch-declined": "DEFAULT: funding declined; nothing for the panel to track.",
            "outcomes.signpost": "003: «it is important that any request for service made is "
            "followed up to ensure the services are being provided» (by the agency signposting, "
            "outside the panel: closed here, DEFAULT).",
            **_SILENT,
            "caseload_limits": _NO_CASELOADS,
            "closure_checks": "003: «The EHAT closure checklist should be completed and the "
            "EHAT record closed.»",
            "weekday": "DEFAULT: Wednesday (see cadence).",
            "meeting_time": "DEFAULT: 13:30 (see cadence).",
            "meeting_length": "DEFAULT: 2 hours (see cadence).",
            "breaks": _NO_BREAK,
            "circulation": "DEFAULT: 14:00 on the cut-off day (see cutoff).",
            "info_check_deadline": "DEFAULT: 16:00 the working day before, so the chair sees the "
            "answers first.",
            "localities": "DEFAULT: one panel for the borough; 003 names no localities.",
            "sections": "003 Standard 10: «the initial referral will be reviewed at Level 2 Panel "
            "after three months» (new referrals and reviews; the other sections: DEFAULT).",
            "checklist_required": "003: «Criteria you should consider are:» (considered, not a "
            "form to complete: not required).",
            "candidates": "DEFAULT: the agencies present that offered to lead (003 «The panel "
            "operates on a discussion basis»).",
            "majority_base": "DEFAULT: when the panel votes at all, a majority of votes cast.",
            "on_deadlock": "003: «If agreement cannot be reached, the Lead Professional should "
            "consult with their manager»",
            "combine_outcomes": _ONE_OUTCOME,
            "cadence": "DEFAULT: the seed gives no cadence, day or time; weekly, Wednesday "
            "13:30 to 15:30.",
            "cutoff": "DEFAULT: 12:00 three working days before; circulation 14:00 that day.",
            "max_cases_per_locality": "DEFAULT: not in the seed.",
            "consent_required_for": "003 Standard 10: «Consent should be given from the "
            "identified family prior to presentation at L2 Panel.»",
            "safeguarding_message": "003 flowchart: «For Child Protection concems (Level 4 on "
            "the DON) a telephone call must be» «made to Contact Cares 01744 676767, followed "
            "by a MASH service request being»",
            "key_agencies": "003 Standard 10: «The aim of the panel is for key agencies to work "
            "together» (which agencies: DEFAULT).",
            "quorum_minimum": "DEFAULT: 003 sets no quorum (it never uses the words quorum or "
            "quorate); 3 agencies present.",
            "quorum_basis": "DEFAULT: 003 names no key members; any 3 agencies count.",
            "reminders": "DEFAULT: 003 sets no reminders; 10:00 the working day before.",
            "confidentiality_statement": "003 Family Action Meeting script: «Parents and young "
            "people have given their permission for information about them to be shared at "
            "this meeting, for the purpose of ensuring that their children’s needs are met.»",
            "checklist": "003 Lead Professional criteria: «What are the predominant needs of "
            "the unborn, child or family?» «Who would the family prefer as their central point "
            "of contact?»",
            "chair_casting_vote": "003 Standard 10: «The panel operates on a discussion basis, "
            "using the Signs of Wellbeing model.» (a casting vote in a tie: DEFAULT)",
            "escalation_route": "003: «If agreement cannot be reached, the Lead Professional "
            "should consult with their manager and, if necessary, refer to Multi-agency "
            "Resolution Policy»",
            "escalation_stages": "003: «the Lead Professional should consult with their "
            "manager and, if necessary, refer to Multi-agency Resolution Policy»",
            "outcomes": "003 Standard 10: «delivered by the named commissioned family support "
            "service Home Start via L2 Panel» «Funding will be considered on a case by case "
            "basis at Level 2 Panel» (the list is a DEFAULT).",
            "milestones.family-action-meeting": "003: «The Family Action Meeting will take "
            "place within 15 working days of the date this decision was made.» Not for PATCH "
            "funding, which needs a plan in place already: 003 PATCH funding: «The family must "
            "have current and active Early Help Assessment and Plan»",
            "outcomes.step-up-mash": "003: «EHAT record should remain open until MASH outcome "
            "has confirmed» (so the case stays open; it is closed when the outcome is known).",
            "milestones.plan-circulated": "003: «The Family Action Plan should be circulated to "
            "all parties who do not have access to the EHAT system within 10 working days of "
            "the Family Action Meeting.»",
            "milestones.plan-review": "003: «A review date should be set one month after the "
            "initial meeting and thereafter a maximum of three-monthly, dependent on the family’s "
            "circumstances.»",
            "milestones.lead-contact": "003: «The frequency of contact with a child/young person "
            "by the Lead Professional should be a minimum of 28 days (4 weeks).»",
            "milestones.panel-review": "003 Standard 10: «Where services or resources are "
            "allocated via Level 2 Panel, the initial referral will be reviewed at Level 2 "
            "Panel after three months»",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": _DRIFT,
        }
    ),
)

LEICESTER = Policy(
    key="leicester",
    name="Leicester Multi Agency Support Panel",
    cadence=Cadence.MONTHLY,
    weekday=3,
    week_of_month=2,
    meeting_time=time(10, 0),
    meeting_length=timedelta(hours=2),
    cutoff=Moment(5, time(12, 0)),
    circulation=Moment(5, time(14, 0)),
    info_check_deadline=Moment(1, time(16, 0)),
    reminders=(Moment(3, time(10, 0)), Moment(1, time(10, 0))),
    localities=("Leicester",),
    max_cases_per_locality=8,
    sections=(Section.STUCK, Section.REVIEW, Section.STEP_DOWN, Section.NEW_REFERRAL),
    consent_required_for=frozenset(Section),
    safeguarding_message=(
        "In the case where there are immediate safeguarding concerns, a referral to the Duty "
        "and Advice Service should be made now. This family has not been listed."
    ),
    key_agencies=frozenset({"Social Care", "Early Help Services", "Health", "Schools", "Police"}),
    quorum_basis=QuorumBasis.KEY_MEMBERS,
    quorum_minimum=3,
    checklist=(
        "Can the child live safely with their family or within their kinship network?",
        "Would the resources asked for prevent escalation to Child in Need or Child Protection?",
        "Is a recommendation to the Leicester Access to Resources Panel needed?",
    ),
    candidates=Candidates.OFFERED_TO_LEAD,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=True,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route="Refer to the Duty and Advice Service for a Social Care decision.",
    escalation_stages=("Duty and Advice Service",),
    outcomes=(
        Outcome("resources-agreed", "Resources agreed"),
        # Early Help stays in place until the Single Assessment's outcome (outcomes.step-up-cin).
        Outcome("step-up-cin", "Case stepped up to Child in Need", needs_lead=False),
        # The lead is appointed at the first TAF, not at the panel (outcomes.step-down).
        Outcome(
            "step-down",
            "Case stepped down to Early Help/Child In Need",
            needs_lead=False,
            carried_by="Early Help Services",
        ),
        Outcome(
            "child-protection", "Progress to Child Protection", needs_lead=False, closes_case=True
        ),
        Outcome(
            "refer-larp",
            "Refer to LARP (Leicester Access to Resources Panel)",
            needs_lead=False,
            closes_case=True,
        ),
    ),
    milestones=(
        MilestoneRule(
            "first-taf",
            "Arrange the first Team Around the Family meeting",
            Period(3, Unit.WEEKS),
            for_outcomes=frozenset({"step-down"}),
            set_at_panel=True,
        ),
        MilestoneRule(
            "plan-review",
            "Review the plan of action",
            Period(3, Unit.MONTHS),
            for_outcomes=frozenset({"resources-agreed", "step-down"}),
            every=Period(3, Unit.MONTHS),
        ),
    ),
    retention=Period(24, Unit.MONTHS),
    sources=MappingProxyType(
        {
            "outcomes.resources-agreed": "004: «Resources agreed» (the agency receiving them "
            "leads: DEFAULT).",
            "outcomes.child-protection": "004: «Progress to Child Protection» (the case leaves "
            "Early Help: closed here, DEFAULT).",
            "outcomes.refer-larp": "004: «Refer to LARP (Leicester Access to Resources Panel)» "
            "(the resources panel decides: closed here, DEFAULT).",
            **_SILENT,
            "caseload_limits": _NO_CASELOADS,
            "closure_checks": "DEFAULT: the seed lists nothing to confirm before closing.",
            "week_of_month": "DEFAULT: the 2nd week (see weekday).",
            "meeting_time": "DEFAULT: 10:00 (see weekday).",
            "meeting_length": "DEFAULT: 2 hours (see weekday).",
            "breaks": _NO_BREAK,
            "circulation": "DEFAULT: 14:00 on the cut-off day (see cutoff).",
            "info_check_deadline": "DEFAULT: 16:00 the working day before, so the chair sees the "
            "answers first.",
            "localities": "DEFAULT: one city-wide panel; 004 names no localities.",
            "checklist_required": _NOT_REQUIRED,
            "candidates": "DEFAULT: the seed has no vote rule; the agencies present that offered "
            "to lead.",
            "majority_base": "DEFAULT: the seed has no vote rule; a majority of votes cast.",
            "on_deadlock": "DEFAULT: the seed has no vote rule; escalated (see escalation_route).",
            "combine_outcomes": _ONE_OUTCOME,
            "cadence": "004: «The panel meets monthly, referrals are made in writing (using "
            "referral form in place)»",
            "weekday": "DEFAULT: no day or time in the seed; the 2nd Thursday, 10:00 to 12:00.",
            "cutoff": "DEFAULT: 12:00 five working days before; circulation 14:00 that day.",
            "max_cases_per_locality": "DEFAULT: not in the seed.",
            "sections": "004: «Where a case is open to early help or social care and meets one "
            "of the following criteria» «No improvement» «Escalation of problems» (stuck cases "
            "first: DEFAULT).",
            "consent_required_for": "004: «must give consent at the start of the process»",
            "safeguarding_message": "004: «In the case where there are immediate safeguarding "
            "concerns, a referral to the Duty and Advice Service should be made.»",
            "key_agencies": "004: «Members of the panel may include:» (key members: DEFAULT)",
            "checklist": "004: «To provide management oversight and enable decision making to "
            "ensure that wherever possible children and young people are supported to live "
            "with their family or within their kinship network»",
            "outcomes": "004: «Resources agreed» «Case stepped up to Child in Need» «Case "
            "stepped down to Early Help/Child In Need» «Progress to Child Protection» «Refer to "
            "LARP (Leicester Access to Resources Panel)»",
            "quorum_minimum": "DEFAULT: 004 sets no quorum (it never uses the words quorum or "
            "quorate); 3 key agencies present.",
            "quorum_basis": "DEFAULT: 004 names no key members; the panel's key agencies count.",
            "reminders": "DEFAULT: 004 sets no reminders; 10:00 three working days and one "
            "working day before.",
            "escalation_route": "004: «a referral should be made to the Duty and Advice Service» "
            "(for needs that have become more complex; as the route when the panel cannot "
            "agree a lead: DEFAULT).",
            "confidentiality_statement": "004 asks for «Ensuring information sharing with "
            "appropriate agencies» but gives no statement to read; the words are a DEFAULT.",
            "outcomes.step-down": "004: «The first meeting will be chaired by the Family "
            "Support Manager in a locality, where a plan will be agreed and a Lead Practitioner "
            "appointed from the meeting.» (so no lead at the panel; Early Help Services carry "
            "it until then)",
            "escalation_stages": "004: «a referral should be made to the Duty and Advice "
            "Service» (one stage: DEFAULT).",
            "outcomes.step-up-cin": "004: «the Early Help service will remain in place until "
            "the outcome of the Single Assessment undertaken by social care is known» (so the "
            "case stays open).",
            "milestones.first-taf": "004: «The Family Support Manager should arrange the first "
            "TAF (Team around the Family) meeting within 3 weeks of the case being stepped "
            "down.»",
            "milestones.plan-review": "004: «a plan of action agreed and reviewed every 3 months "
            "until needs are met.» (so it recurs until the case closes)",
            "chair_casting_vote": "DEFAULT: the seed has no vote rule; simple majority with "
            "the chair's casting vote.",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": _DRIFT,
        }
    ),
)

PRESETS: Mapping[str, Policy] = MappingProxyType(
    {p.key: p for p in (BARNET, CAMDEN, ST_HELENS, LEICESTER)}
)
