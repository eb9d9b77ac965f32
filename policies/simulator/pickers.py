"""The simulator's pickers: which users, groups, roles and actions the form offers.

Both are searched and paged on the server, so the page costs the same whatever the size of
the account or of the catalogue: each principal list shows :data:`PRINCIPALS_PER_PAGE`
names (one query each, in index order), the action list :data:`ACTIONS_PER_PAGE` actions.
What is already chosen is always offered (and selected), whatever page is shown.
Search and page buttons are submit buttons of the page's own form: no JavaScript needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models.functions import Lower
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Group, Role, User
from policies.authz import authorize
from policies.engine import Policy, catalogue

PRINCIPALS_PER_PAGE = 20
ACTIONS_PER_PAGE = 100
MAX_PAGE = 10_000
#: Services whose actions are listed when neither the form nor the policies name one.
DEFAULT_SERVICES = ("iam",)
#: At most this many services chosen in "List the actions of" count.
MAX_LISTED_SERVICES = 12


@dataclass
class PickerPage:
    """One page of a picker: the entries shown, the page number, whether others follow."""

    entries: list[Any]
    number: int
    has_next: bool
    size: int = PRINCIPALS_PER_PAGE
    total: int | None = None  # when known without counting rows

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first(self) -> int:
        return 0 if not self.entries else self.start + 1

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return self.start + len(self.entries)


def page_number(value: Any) -> int:
    """A page parameter as a number from 1 to :data:`MAX_PAGE` (1 when it is not one)."""
    text = str(value or "")
    return max(1, min(int(text), MAX_PAGE)) if text.isascii() and text.isdigit() and len(text) <= 5 else 1


def _page_of_query(queryset: Any, number: int, size: int) -> PickerPage:
    """Rows ``size`` at a time, reading one more to know whether another page follows."""
    rows = list(queryset[(number - 1) * size:number * size + 1])
    return PickerPage(rows[:size], number, len(rows) > size, size=size)


#: Each principal list: the IAM action that lists it, its resource, and its names.
PRINCIPAL_SOURCES = {
    "users": ("iam:ListUsers", "user/", lambda account: User.objects.for_account(account)
              .order_by(Lower("user_name")).values_list("user_name", flat=True)),
    "groups": ("iam:ListGroups", "group/", lambda account: Group.objects.filter(account=account)
               .order_by(Lower("name")).values_list("name", flat=True)),
    "roles": ("iam:ListRoles", "role/", lambda account: Role.objects.for_account(account)
              .order_by(Lower("name")).values_list("name", flat=True)),
}
#: The name field each list searches.
PRINCIPAL_SEARCH = {"users": "user_name", "groups": "name", "roles": "name"}


def principal_pickers(request: Any, account: Any, search: str, number: int) -> dict[str, dict[str, Any]]:
    """For users, groups and roles: one page of the names containing ``search`` (any case),
    when the caller may list them; else ``denied`` (the refusal, for the page to say why)."""
    lists: dict[str, dict[str, Any]] = {}
    for key, (action, resource, names) in PRINCIPAL_SOURCES.items():
        auth = authorize(request, action, account.arn(resource))
        if not auth:
            lists[key] = {"page": None, "denied": auth}
            continue
        queryset = names(account)
        if search:
            queryset = queryset.filter(**{f"{PRINCIPAL_SEARCH[key]}__icontains": search})
        lists[key] = {"page": _page_of_query(queryset, number, PRINCIPALS_PER_PAGE), "denied": None}
    return lists


def listed_services(chosen_services: list[str], chosen_actions: list[str], policies: list[Policy]) -> list[str]:
    """The services whose actions the picker lists: those chosen in the form, those of the
    chosen actions, those the (readable) policies name; IAM when there are none."""
    prefixes: list[str] = []
    candidates = list(chosen_services) + [action.split(":", 1)[0] for action in chosen_actions]
    for policy in policies:
        candidates += [pattern.split(":", 1)[0] for pattern in action_patterns(policy)
                       if ":" in pattern and not set(pattern.split(":", 1)[0]) & {"*", "?"}]
    for prefix in candidates:
        prefix = prefix.lower()
        if catalogue.is_known_service(prefix) and prefix not in prefixes:
            prefixes.append(prefix)
    return prefixes[:MAX_LISTED_SERVICES] or list(DEFAULT_SERVICES)


def action_picker(services: list[str], search: str, chosen: list[str], number: int) -> dict[str, Any]:
    """One page of the actions to offer, grouped by service: with ``search``, the actions
    of every service that contain it (any case); else every action of ``services``.
    The ``chosen`` actions are always offered, selected."""
    search = search.lower()
    if search:
        names = [f"{prefix}:{name}" for prefix in catalogue.services()
                 for name in catalogue.actions_for_service(prefix) if search in f"{prefix}:{name}".lower()]
    else:
        names = [f"{prefix}:{name}" for prefix in services for name in catalogue.actions_for_service(prefix)]
    start = (number - 1) * ACTIONS_PER_PAGE
    if start >= len(names):  # past the end (a made-up page): the first one
        number, start = 1, 0
    page = PickerPage(names[start:start + ACTIONS_PER_PAGE], number, start + ACTIONS_PER_PAGE < len(names),
                      total=len(names), size=ACTIONS_PER_PAGE)
    selected = {action.lower() for action in chosen}
    shown = [{"name": name, "selected": name.lower() in selected} for name in page.entries]
    offered = {name.lower() for name in page.entries}
    shown += [{"name": action, "selected": True} for action in chosen if action.lower() not in offered]
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in shown:
        groups.setdefault(entry["name"].split(":", 1)[0], []).append(entry)
    return {"page": page, "groups": [{"prefix": prefix, "label": service_label(prefix), "actions": actions}
                                     for prefix, actions in groups.items()]}


@cache
def _service_options() -> tuple[tuple[str, str], ...]:
    """Every service as (prefix, escaped ``value`` and label of its ``<option>``), built once."""
    return tuple((prefix, f'value="{escape(prefix)}">{escape(service_label(prefix))}')
                 for prefix in catalogue.services())


def service_options(chosen: set[str]) -> SafeString:
    """The ``<option>`` elements of "List the actions of": the catalogue's 400-odd services,
    the ``chosen`` ones selected. Written once per process, not by a template loop per
    request (it was most of the page's rendering time)."""
    return mark_safe("".join(f'<option {"selected " if prefix in chosen else ""}{option}</option>'
                             for prefix, option in _service_options()))


def service_label(prefix: str) -> str:
    name = catalogue.service_name(prefix)
    return f"{name} ({prefix})" if name else prefix


def action_patterns(policy: Policy) -> list[str]:
    """The Action/NotAction patterns written in a policy (for the services to list)."""
    document = policy.to_dict()
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    patterns = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for key in ("Action", "NotAction"):
            value = statement.get(key)
            patterns += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    return patterns
