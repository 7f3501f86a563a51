"""The configured panels, agencies and people, kept in the database for joins and exports.

Configuration is the source of truth: saving replaces a panel's roster with what the
configuration says, so someone removed from the file loses access at the next start.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, text

from panel.roster import Panel
from storage import schema
from storage.unit_of_work import Store

# Any constant the app alone uses: the key of the PostgreSQL advisory lock around a save.
ROSTER_LOCK = 0x45485042  # "EHPB"


async def save_roster(store: Store, panels: Iterable[Panel]) -> None:
    async with store.engine.begin() as conn:
        if store.locking:
            # Instances starting together each replace the roster; without this, the second's
            # INSERT meets the first's uncommitted row and that instance fails to start.
            # (SQLite needs nothing: every transaction there takes the one write lock first.)
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROSTER_LOCK})
        for panel in panels:
            for table in (schema.people, schema.agencies):
                await conn.execute(delete(table).where(table.c.panel_id == panel.id))
            await conn.execute(delete(schema.panels).where(schema.panels.c.id == panel.id))
            await conn.execute(
                insert(schema.panels).values(
                    id=panel.id,
                    name=panel.name,
                    tenant_id=panel.tenant_id,
                    policy_key=panel.policy.key,
                )
            )
            for agency in sorted(panel.agencies):
                await conn.execute(
                    insert(schema.agencies).values(
                        panel_id=panel.id,
                        name=agency,
                        key_member=agency in panel.policy.key_agencies,
                    )
                )
            for member in panel.members:
                await conn.execute(
                    insert(schema.people).values(
                        panel_id=panel.id,
                        person_id=member.person_id,
                        name=member.name,
                        email=member.email,
                        agency=member.agency,
                        deputy_of=member.deputy_of,
                        roles=sorted(r.value for r in member.roles),
                        has_teams=member.has_teams,
                        manager_id=member.manager_id,
                    )
                )
