"""The `Action.Execute` verbs: the only actions the bot accepts from a card.

Each card action carries these verbs and opaque references (panel, sitting and case ids) in its
data; the edge re-checks identity and role on every one.
"""

from __future__ import annotations

CASE_NEW_FORM = "case.new-form"
CASE_CREATE = "case.create"
CASE_EDIT_FORM = "case.edit-form"
CASE_UPDATE = "case.update"
CASE_WITHDRAW = "case.withdraw"
CASE_SCREEN = "case.screen"
CASES_LIST = "cases.list"
AGENDA_VIEW = "agenda.view"
AGENDA_FREEZE = "agenda.freeze"
AGENDA_CIRCULATE = "agenda.circulate"
READINESS_VIEW = "readiness.view"
REMIND_NOW = "reminders.send"
PACK_OPEN = "pack.open"
INFO_CHECK_SAVE = "infocheck.save"
CAPACITY_SAVE = "capacity.save"
TASKS_VIEW = "tasks.view"
# Panel day
PANEL_START = "panel.start"
PANEL_CONSOLE = "panel.console"
PANEL_SHARED = "panel.shared"
PANEL_SIGN_IN = "panel.sign-in"
PANEL_CLOSE = "panel.close"
CASE_OPEN = "case.open"
CASE_CONFLICT = "case.conflict"
AGENDA_ADD = "agenda.add"
VOTE_OPEN = "vote.open"
VOTE_CAST = "vote.cast"
VOTE_CLOSE = "vote.close"
VOTE_CASTING = "vote.casting"
OUTCOME_FORM = "outcome.form"
OUTCOME_RECORD = "outcome.record"
CASE_RECORDED = "case.recorded"
PANEL_AOB = "panel.aob"
# Follow-up
MILESTONE_DONE = "milestone.done"
MILESTONE_NOT_POSSIBLE = "milestone.not-possible"
CASE_STUCK = "case.stuck"

# The only verbs a card in a channel or group chat may carry: their answers hold no case data.
SHARED = frozenset({PANEL_SHARED})

ALL = frozenset(
    {
        CASE_NEW_FORM,
        CASE_CREATE,
        CASE_EDIT_FORM,
        CASE_UPDATE,
        CASE_WITHDRAW,
        CASE_SCREEN,
        CASES_LIST,
        AGENDA_VIEW,
        AGENDA_FREEZE,
        AGENDA_CIRCULATE,
        READINESS_VIEW,
        REMIND_NOW,
        PACK_OPEN,
        INFO_CHECK_SAVE,
        CAPACITY_SAVE,
        TASKS_VIEW,
        PANEL_START,
        PANEL_CONSOLE,
        PANEL_SHARED,
        PANEL_SIGN_IN,
        PANEL_CLOSE,
        CASE_OPEN,
        CASE_CONFLICT,
        AGENDA_ADD,
        VOTE_OPEN,
        VOTE_CAST,
        VOTE_CLOSE,
        VOTE_CASTING,
        OUTCOME_FORM,
        OUTCOME_RECORD,
        CASE_RECORDED,
        PANEL_AOB,
        MILESTONE_DONE,
        MILESTONE_NOT_POSSIBLE,
        CASE_STUCK,
    }
)
