"""How things stand now for a queued message (panel/relevance.py's `FactsSource`): a few plain
reads of states and ids, without loading or decrypting an aggregate, because the delivery
worker asks before every send."""

from __future__ import annotations

from sqlalchemy import select

from panel.lifecycle import Status
from panel.meeting import MeetingStatus
from panel.relevance import Facts, QueuedFor
from panel.votes import RoundState
from storage import schema
from storage.unit_of_work import Store


class SqlFacts:
    def __init__(self, store: Store) -> None:
        self._engine = store.engine

    async def facts(self, queued_for: QueuedFor) -> Facts:
        meetings, items, cases, rounds = (
            schema.meetings,
            schema.agenda_items,
            schema.cases,
            schema.vote_rounds,
        )
        wanted = list(queued_for.case_ids)
        sitting: MeetingStatus | None = None
        on_agenda: frozenset[str] = frozenset()
        statuses: dict[str, Status] = {}
        round_open = False
        async with self._engine.connect() as conn:
            if queued_for.meeting_id is not None:
                found = await conn.execute(
                    select(meetings.c.status).where(meetings.c.id == queued_for.meeting_id)
                )
                status = found.scalar_one_or_none()
                sitting = None if status is None else MeetingStatus(status)
                if wanted:
                    listed = await conn.execute(
                        select(items.c.case_id).where(
                            items.c.meeting_id == queued_for.meeting_id,
                            items.c.case_id.in_(wanted),
                        )
                    )
                    on_agenda = frozenset(listed.scalars())
            if wanted:
                found_cases = await conn.execute(
                    select(cases.c.id, cases.c.status).where(
                        cases.c.id.in_(wanted), cases.c.anonymised_at.is_(None)
                    )
                )
                statuses = {row.id: Status(row.status) for row in found_cases}
            if queued_for.round_id is not None:
                state = await conn.execute(
                    select(rounds.c.state).where(rounds.c.id == queued_for.round_id)
                )
                round_open = state.scalar_one_or_none() == RoundState.OPEN.value
        return Facts(sitting, on_agenda, statuses, round_open)
