"""The panels, their agencies and their people, from a YAML file (`PANEL_CONFIG`).

The schema is documented in docs/panel-config.md. Every problem is refused with the file and
the path inside it, e.g. `config/x.yaml: people[3].roles.demo: unknown role 'chiar' (...)`,
so a council can fix its file without reading this code.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from adapters.bank_holidays import calendar_for
from adapters.policy_file import LoadedPolicy, PolicyFileError, parse_policy
from panel.roster import Member, Panel, Role


class PanelConfigError(ValueError):
    """A panel configuration could not be used; the message names the file and the path inside
    it, e.g. "config/x.yaml: people[3].roles.demo: unknown role 'chiar' (one of: chair,
    business-support, member, practitioner, manager, admin)"."""


@dataclass(frozen=True)
class NoticeChannel:
    team_id: str  # the Teams team id (channelData.team.id), e.g. "19:...@thread.tacv2"
    channel_id: str  # the channel's conversation id, where notices with counts go
    # The team's Microsoft 365 group id (channelData.team.aadGroupId): Graph names teams by it,
    # so without it a channel notice whose send had an unknown outcome cannot be looked for.
    group_id: str = ""


@dataclass(frozen=True)
class PanelConfig:
    panels: tuple[Panel, ...]
    channels: Mapping[str, NoticeChannel]  # panel id -> its notice channel, if it has one
    allowed_tenants: frozenset[str]  # every panel's tenant, plus any extra listed


# Entra ID object and tenant ids are GUIDs (last group 12 hex digits). The Microsoft 365 Agents
# Playground's default mock data uses 13 digits there (tenant 00000000-...-0000000000001,
# users ...-0000000000020 to 25); accepting 13 lets the demo run against it unchanged while
# still catching a name or an e-mail pasted where an id belongs.
_GUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12,13}"
)
_PANEL_ID = re.compile(r"[a-z0-9-]{1,40}")

_TOP = ("tenant", "allowed_tenants", "agencies", "panels", "people")
_AGENCY = ("name", "key_member")
_PANEL = ("id", "name", "policy", "localities", "agencies", "notices", "tenant")
_NOTICES = ("team", "channel")
_PERSON = (
    "name",
    "email",
    "aad_object_id",
    "agency",
    "deputy_of",
    "manager",
    "teams",
    "roles",
    "caseload",
    "caseload_percent",
)


def parse_panel_config(document: object, *, where: str = "panel configuration") -> PanelConfig:
    """Validate a YAML document (as `yaml.safe_load` returns it) and build every panel."""
    top = _Reader(where).fields(document, "", _TOP, required=("panels",))
    return _Builder(where, top).build()


def load_panel_config(path: Path) -> PanelConfig:
    try:
        # From the open file, so that YAML's errors name it; _StrictLoader is a SafeLoader.
        with path.open(encoding="utf-8") as stream:
            document = yaml.load(stream, Loader=_StrictLoader)  # noqa: S506
    except OSError as exc:
        raise PanelConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise PanelConfigError(f"{path}: is not UTF-8 text.") from None
    except yaml.YAMLError as exc:
        raise PanelConfigError(f"{path}: is not valid YAML ({exc}).") from None
    return parse_panel_config(document, where=str(path))


class _StrictLoader(yaml.SafeLoader):
    """Plain YAML keeps the last of two equal keys silently; a second `roles:` under a person
    would drop the first without a word, so a repeated key is refused instead."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found the key {key!r} twice",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


# -- Reading plain data with paths ------------------------------------------------------------


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _one_of(names: Iterable[str]) -> str:
    listed = list(names)
    return f"(one of: {', '.join(listed)})" if listed else "(none are listed)"


class _Reader:
    """Checks shapes and types; every error names the file and the path inside it."""

    def __init__(self, where: str) -> None:
        self.where = where

    def error(self, path: str, message: str) -> PanelConfigError:
        return PanelConfigError(
            f"{self.where}: {path}: {message}" if path else f"{self.where}: {message}"
        )

    def fields(
        self, value: object, path: str, allowed: tuple[str, ...], *, required: tuple[str, ...]
    ) -> dict[str, object]:
        if not isinstance(value, dict):
            wanted = ", ".join(repr(k) for k in required)
            raise self.error(path, f"expected a mapping with {wanted}, not {_kind(value)}.")
        for key in value:
            if key not in allowed:
                raise self.error(_at(path, str(key)), f"unknown key {_one_of(allowed)}.")
        for key in required:
            if value.get(key) is None:
                raise self.error(_at(path, key), "is required.")
        return {str(k): v for k, v in value.items() if v is not None}

    def text(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(path, f"expected text, not {_kind(value)}.")
        return value

    def flag(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.error(path, f"expected true or false, not {_kind(value)}.")
        return value

    def items(self, value: object, path: str, *, non_empty: bool = False) -> list[object]:
        if not isinstance(value, list):
            raise self.error(path, f"expected a list, not {_kind(value)}.")
        if non_empty and not value:
            raise self.error(path, "must not be empty.")
        return value

    def guid(self, value: object, path: str) -> str:
        text = self.text(value, path)
        if not _GUID.fullmatch(text):
            raise self.error(
                path,
                f"{text!r} is not an Entra ID (AAD) id such as "
                "'72f988bf-86f1-41af-91ab-2d7cd011db47'.",
            )
        # Teams sends ids in lower case; GUIDs compare without regard to case.
        return text.lower()

    def unique_texts(self, value: object, path: str) -> tuple[str, ...]:
        texts: list[str] = []
        for i, entry in enumerate(self.items(value, path, non_empty=True)):
            text = self.text(entry, _at(path, i))
            if text in texts:
                raise self.error(_at(path, i), f"{text!r} is listed twice.")
            texts.append(text)
        return tuple(texts)


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{value!r}".lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value}"


# -- Building ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Agency:
    name: str
    key_member: bool


@dataclass(frozen=True)
class _PanelSpec:
    path: str
    id: str
    name: str
    agencies: tuple[str, ...]
    tenant: str
    notices: NoticeChannel | None
    policy: LoadedPolicy


@dataclass
class _Person:
    path: str
    name: str
    email: str
    person_id: str
    agency: str | None
    has_teams: bool
    roles: dict[str, frozenset[Role]]
    deputy_ref: str | None
    manager_ref: str | None
    caseload: str = ""
    caseload_percent: int = 100
    deputy_of: _Person | None = None
    manager: _Person | None = None


class _Builder(_Reader):
    def __init__(self, where: str, top: dict[str, object]) -> None:
        super().__init__(where)
        self.top = top

    def build(self) -> PanelConfig:
        tenant = self.guid(self.top["tenant"], "tenant") if "tenant" in self.top else None
        extra = [
            self.guid(t, _at("allowed_tenants", i))
            for i, t in enumerate(
                self.items(self.top.get("allowed_tenants", []), "allowed_tenants")
            )
        ]
        agencies = self._agencies()
        specs = self._panels(agencies, tenant)
        people = self._people(agencies, specs)
        panels = tuple(self._panel(spec, people) for spec in specs)
        channels = {spec.id: spec.notices for spec in specs if spec.notices is not None}
        return PanelConfig(
            panels=panels,
            channels=MappingProxyType(channels),
            allowed_tenants=frozenset([*(p.tenant_id for p in panels), *extra]),
        )

    # Agencies

    def _agencies(self) -> dict[str, _Agency]:
        agencies: dict[str, _Agency] = {}
        for i, raw in enumerate(self.items(self.top.get("agencies", []), "agencies")):
            path = _at("agencies", i)
            entry = self.fields(raw, path, _AGENCY, required=("name",))
            name = self.text(entry["name"], _at(path, "name"))
            if name.casefold() in {a.casefold() for a in agencies}:
                raise self.error(_at(path, "name"), f"the agency {name!r} is listed twice.")
            key_member = self.flag(entry.get("key_member", False), _at(path, "key_member"))
            agencies[name] = _Agency(name, key_member)
        return agencies

    def _agency(self, value: object, path: str, known: Iterable[str]) -> str:
        name = self.text(value, path)
        names = list(known)
        if name not in names:
            raise self.error(path, f"unknown agency {name!r} {_one_of(names)}.")
        return name

    # Panels

    def _panels(self, agencies: dict[str, _Agency], tenant: str | None) -> list[_PanelSpec]:
        specs: list[_PanelSpec] = []
        for i, raw in enumerate(self.items(self.top["panels"], "panels", non_empty=True)):
            path = _at("panels", i)
            entry = self.fields(raw, path, _PANEL, required=("id", "name", "policy"))
            panel_id = self.text(entry["id"], _at(path, "id"))
            if not _PANEL_ID.fullmatch(panel_id):
                raise self.error(
                    _at(path, "id"),
                    f"{panel_id!r} must be 1 to 40 lower-case letters, digits or '-'.",
                )
            if any(s.id == panel_id for s in specs):
                raise self.error(_at(path, "id"), f"the panel id {panel_id!r} is used twice.")
            if "tenant" in entry:
                panel_tenant = self.guid(entry["tenant"], _at(path, "tenant"))
            elif tenant is not None:
                panel_tenant = tenant
            else:
                raise self.error(path, "has no tenant: set 'tenant' here or at the top level.")
            names: tuple[str, ...] = tuple(agencies)
            if "agencies" in entry:
                names = self.unique_texts(entry["agencies"], _at(path, "agencies"))
                for j, name in enumerate(names):
                    self._agency(name, _at(_at(path, "agencies"), j), agencies)
            document, key = self._policy_document(entry, path, names, agencies)
            specs.append(
                _PanelSpec(
                    path=path,
                    id=panel_id,
                    name=self.text(entry["name"], _at(path, "name")),
                    agencies=names,
                    tenant=panel_tenant,
                    notices=self._notices(entry.get("notices"), _at(path, "notices")),
                    policy=self._load_policy(document, _at(path, "policy"), key),
                )
            )
        return specs

    def _notices(self, raw: object, path: str) -> NoticeChannel | None:
        if raw is None:
            return None
        entry = self.fields(raw, path, (*_NOTICES, "group"), required=_NOTICES)
        return NoticeChannel(
            team_id=self.text(entry["team"], _at(path, "team")),
            channel_id=self.text(entry["channel"], _at(path, "channel")),
            group_id=self.text(entry["group"], _at(path, "group")) if "group" in entry else "",
        )

    def _policy_document(
        self,
        entry: dict[str, object],
        path: str,
        names: tuple[str, ...],
        agencies: dict[str, _Agency],
    ) -> tuple[object, tuple[str, ...] | None]:
        """The panel's policy document with its localities and key agencies folded into the
        overrides, so that the policy's own checks (the key-member quorum) see the final values;
        and the key agencies, if they came from `key_member` rather than the overrides.
        """
        document = entry["policy"]
        policy_path = _at(path, "policy")
        if not isinstance(document, dict) or not isinstance(document.get("overrides") or {}, dict):
            return document, None  # parse_policy explains what is wrong with it
        overrides = dict(document.get("overrides") or {})
        if "localities" in entry:
            if "localities" in overrides:
                raise self.error(
                    _at(path, "localities"),
                    "set the localities here or in policy.overrides, not both.",
                )
            overrides["localities"] = list(
                self.unique_texts(entry["localities"], _at(path, "localities"))
            )
        if "key_agencies" in overrides:
            given = overrides["key_agencies"]
            given_path = _at(_at(policy_path, "overrides"), "key_agencies")
            for j, name in enumerate(given if isinstance(given, list) else []):
                if isinstance(name, str) and name not in names:
                    raise self.error(
                        _at(given_path, j),
                        f"{name!r} is not one of this panel's agencies {_one_of(names)}.",
                    )
            return {**document, "overrides": overrides}, None
        derived = tuple(n for n in names if agencies[n].key_member)
        overrides["key_agencies"] = list(derived)
        return {**document, "overrides": overrides}, derived

    def _load_policy(
        self, document: object, path: str, key: tuple[str, ...] | None
    ) -> LoadedPolicy:
        try:
            return parse_policy(document, where=f"{self.where}: {path}")
        except PolicyFileError as exc:
            failure = PanelConfigError(str(exc))
        if key is None or not isinstance(document, dict):
            raise failure from None
        # Only the key-member quorum check reads key_agencies: if the policy passes with the
        # preset's own key agencies, the panel's key_member agencies are what fall short.
        overrides = {k: v for k, v in document["overrides"].items() if k != "key_agencies"}
        try:
            policy = parse_policy({**document, "overrides": overrides}).policy
        except PolicyFileError:
            raise failure from None
        raise self.error(
            path,
            f"the quorum needs {policy.quorum_minimum} key agencies present, but only "
            f"{len(key)} of the panel's agencies are marked key_member "
            f"({', '.join(key) or 'none'}): mark more, or lower overrides.quorum_minimum.",
        )

    # People

    def _people(self, agencies: dict[str, _Agency], specs: list[_PanelSpec]) -> list[_Person]:
        people: list[_Person] = []
        for i, raw in enumerate(self.items(self.top.get("people", []), "people")):
            person = self._person(raw, _at("people", i), agencies, specs)
            twin = next((p for p in people if p.person_id == person.person_id), None)
            if twin is not None:
                raise self.error(
                    _at(person.path, "aad_object_id"),
                    f"{person.person_id} is also {twin.name}'s ({twin.path}).",
                )
            people.append(person)
        for person in people:
            self._link(person, people)
        for person in people:
            self._check_member_roles(person, specs)
        return people

    def _person(
        self, raw: object, path: str, agencies: dict[str, _Agency], specs: list[_PanelSpec]
    ) -> _Person:
        entry = self.fields(
            raw, path, _PERSON, required=("name", "email", "aad_object_id", "roles")
        )
        email = self.text(entry["email"], _at(path, "email"))
        if "@" not in email:
            raise self.error(_at(path, "email"), f"{email!r} is not an e-mail address.")
        agency = entry.get("agency")
        return _Person(
            path=path,
            name=self.text(entry["name"], _at(path, "name")),
            email=email,
            person_id=self.guid(entry["aad_object_id"], _at(path, "aad_object_id")),
            agency=None if agency is None else self._agency(agency, _at(path, "agency"), agencies),
            has_teams=self.flag(entry.get("teams", True), _at(path, "teams")),
            roles=self._roles(entry["roles"], _at(path, "roles"), specs),
            deputy_ref=self._ref(entry.get("deputy_of"), _at(path, "deputy_of")),
            manager_ref=self._ref(entry.get("manager"), _at(path, "manager")),
            caseload=self._ref(entry.get("caseload"), _at(path, "caseload")) or "",
            caseload_percent=self._percent(
                entry.get("caseload_percent", 100), _at(path, "caseload_percent")
            ),
        )

    def _percent(self, value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
            raise self.error(path, f"expected a whole number from 1 to 100, not {value!r}.")
        return value

    def _caseload(self, person: _Person, spec: _PanelSpec) -> str:
        """The person's kind of lead, one of the panel policy's caseload limits."""
        kinds = spec.policy.policy.caseload_limits
        if person.caseload and person.caseload not in kinds:
            known = ", ".join(sorted(kinds)) or "none: set policy.overrides.caseload_limits"
            raise self.error(
                _at(person.path, "caseload"),
                f"{person.caseload!r} is not a caseload of panel {spec.id!r} ({known}).",
            )
        return person.caseload

    def _ref(self, value: object, path: str) -> str | None:
        return None if value is None else self.text(value, path)

    def _roles(self, raw: object, path: str, specs: list[_PanelSpec]) -> dict[str, frozenset[Role]]:
        if not isinstance(raw, dict) or not raw:
            raise self.error(
                path, "expected a mapping of panel id to roles, e.g. {demo: [member]}."
            )
        ids = [s.id for s in specs]
        valid = [r.value for r in Role]
        roles: dict[str, frozenset[Role]] = {}
        for panel_id, names in raw.items():
            if panel_id not in ids:
                raise self.error(path, f"unknown panel {panel_id!r} {_one_of(ids)}.")
            here = _at(path, str(panel_id))
            chosen: set[Role] = set()
            for name in self.items(names, here, non_empty=True):
                if name not in valid:
                    shown = repr(name) if isinstance(name, str) else _kind(name)
                    raise self.error(here, f"unknown role {shown} {_one_of(valid)}.")
                chosen.add(Role(name))
            roles[str(panel_id)] = frozenset(chosen)
        return roles

    def _link(self, person: _Person, people: list[_Person]) -> None:
        if person.deputy_ref is not None:
            path = _at(person.path, "deputy_of")
            principal = self._find(person.deputy_ref, path, person, people)
            if person.agency is not None:
                raise self.error(
                    _at(person.path, "agency"),
                    "a deputy speaks for the agency of the member they deputise for and has "
                    "no agency of their own.",
                )
            if principal.agency is None:
                raise self.error(
                    path, f"{principal.name} ({principal.path}) has no agency to deputise for."
                )
            person.deputy_of = principal
        if person.manager_ref is not None:
            path = _at(person.path, "manager")
            person.manager = self._find(person.manager_ref, path, person, people)

    def _find(self, ref: str, path: str, person: _Person, people: list[_Person]) -> _Person:
        found = [p for p in people if p.person_id == ref.lower()] or [
            p for p in people if p.name == ref
        ]
        if not found:
            raise self.error(path, f"no person has the name or aad_object_id {ref!r}.")
        if len(found) > 1:
            raise self.error(
                path, f"{len(found)} people are called {ref!r}: use the aad_object_id."
            )
        if found[0] is person:
            raise self.error(path, "names this person themself.")
        return found[0]

    def _check_member_roles(self, person: _Person, specs: list[_PanelSpec]) -> None:
        """A member votes for an agency: their own, or their principal's. That agency must sit on
        each panel they are a member of, and a principal must be a member there too."""
        for spec in specs:
            if Role.MEMBER not in person.roles.get(spec.id, frozenset()):
                continue
            here = _at(_at(person.path, "roles"), spec.id)
            principal = person.deputy_of
            if principal is None and person.agency is None:
                raise self.error(
                    here,
                    "a member speaks for an agency: give this person an 'agency', or make them "
                    "the 'deputy_of' a member who has one.",
                )
            if principal is not None and Role.MEMBER not in principal.roles.get(spec.id, ()):
                raise self.error(
                    _at(person.path, "deputy_of"),
                    f"{principal.name} is not a member of panel {spec.id!r}, where this person "
                    "is a member.",
                )
            agency = principal.agency if principal is not None else person.agency
            if agency not in spec.agencies:
                raise self.error(
                    here,
                    f"this person speaks for {agency!r}, which is not one of panel {spec.id!r}'s "
                    f"agencies {_one_of(spec.agencies)}.",
                )

    # The panel

    def _panel(self, spec: _PanelSpec, people: list[_Person]) -> Panel:
        members = tuple(
            Member(
                person_id=p.person_id,
                name=p.name,
                roles=p.roles[spec.id],
                agency=p.agency,
                deputy_of=None if p.deputy_of is None else p.deputy_of.person_id,
                email=p.email,
                has_teams=p.has_teams,
                manager_id=None if p.manager is None else p.manager.person_id,
                caseload=self._caseload(p, spec),
                caseload_percent=p.caseload_percent,
            )
            for p in people
            if spec.id in p.roles
        )
        return Panel(
            id=spec.id,
            name=spec.name,
            policy=spec.policy.policy,
            calendar=calendar_for(spec.policy.policy, spec.policy.closures),
            agencies=frozenset(spec.agencies),
            members=members,
            tenant_id=spec.tenant,
        )
