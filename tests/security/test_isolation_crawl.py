"""The isolation crawl (docs/security.md, "Threat model"): nothing crosses an account boundary.

Every URL pattern of the project is walked (tests/security/helpers.routes); each path
parameter names an object of account A (by name, then by unique id), and every form field
that names an object names one of A's (``references``). Account B then asks for each URL,
GET and POST, as its root user, as an IAM user with AdministratorAccess and as a session of
a role with AdministratorAccess:

- a URL that names one of A's objects answers 404 (or 405 before any lookup, a 403 or a
  redirect to sign-in), whatever B's permissions;
- no response is a 5xx, and no response contains anything of A's (account id, names, ids,
  tags, descriptions, documents) that the request did not itself carry;
- A's rows are the same afterwards.

A new view is crawled without any change here; a new path parameter name fails the crawl
until tests/security/helpers.PARAMETERS says which object it names.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import pytest

from accounts import role_sessions

from .helpers import (
    IDENTITIES,
    Route,
    UnknownParameter,
    account_rows,
    build_caller,
    build_victim,
    is_signin_redirect,
    leaked_markers,
    references,
    routes,
    signed_in,
    url_for,
)

pytestmark = pytest.mark.django_db

ROUTES = routes()


@pytest.fixture
def victim(aws_managed_policies):
    return build_victim()


@pytest.fixture
def caller(victim):
    return build_caller()


def test_the_crawl_reaches_every_route(victim):
    urls = {route.name or route.route: url_for(route, victim) for route in ROUTES}
    assert len(urls) == len(ROUTES) >= 80
    assert urls["accounts:user_detail"] == "/iam/users/alpha-user/"
    assert urls["policies:policy_user_inline_detail"] == "/iam/users/alpha-user/policies/inline/alpha-user-inline/"
    assert urls["policies:policy_version_detail"] == f"/iam/policies/{victim.account.account_id}/alpha-policy/versions/v1/"
    assert url_for(next(r for r in ROUTES if r.short_name == "role_detail"), victim, "id") == \
        f"/iam/roles/{victim.role.unique_id}/"


def test_a_path_parameter_the_crawl_cannot_fill_fails_it(victim):
    route = Route("accounts:widget_detail", "iam/widgets/<str:widget_id>/", ("widget_id",), False)
    with pytest.raises(UnknownParameter, match="'widget_id' is unknown to the security checks"):
        url_for(route, victim)


class Crawl:
    """One identity of B asking for every URL; collects every failure for one report."""

    def __init__(self, caller, identity: str, victim) -> None:
        self.caller, self.identity, self.victim = caller, identity, victim
        self.client = signed_in(caller, identity)
        self.failures: list[str] = []
        self.rows = account_rows(victim.account)
        self.statuses: Counter[int] = Counter()

    def still_signed_in(self) -> bool:
        session = self.client.session
        if "_auth_user_id" not in session:
            return False
        return self.identity != "admin role session" or role_sessions.SESSION_ROLE in session

    def ask(self, method: str, url: str, data: dict | None, *, names_a: bool, public: bool = False) -> None:
        query = urlencode(data or {}, doseq=True)
        if method == "GET":
            response = self.client.get(f"{url}?{query}" if query else url)
        else:
            if "csrftoken" not in self.client.cookies:
                self.client.get("/signin/")
            payload = dict(data or {}, csrfmiddlewaretoken=self.client.cookies["csrftoken"].value)
            response = self.client.post(url, payload)
        where = f"{self.identity}: {method} {url}{' with ' + query[:80] if query else ''}"
        status = response.status_code
        self.statuses[status] += 1
        body = response.content.decode(errors="replace")
        if status >= 500:
            self.failures.append(f"{where} -> {status}")
        elif names_a and not (status in (403, 404, 405) or is_signin_redirect(response)):
            self.failures.append(f"{where} -> {status}, not a 404 (it names account A's object)")
        leaked = leaked_markers(self.victim, body + response.get("Location", ""), url + query, public=public)
        if leaked:
            self.failures.append(f"{where} -> {status} shows A's {leaked}")
        if method == "POST":
            rows = account_rows(self.victim.account)
            if rows != self.rows:
                changed = [label for label in rows if rows[label] != self.rows[label]]
                self.failures.append(f"{where} changed A's {changed}")
                self.rows = rows
        if not self.still_signed_in():  # signed out, or switched back: carry on as before
            self.client = signed_in(self.caller, self.identity)

    def run(self, routes=ROUTES) -> None:
        fields = references(self.victim)
        for route in routes:
            url = url_for(route, self.victim)
            if route.params and not route.public:
                self.ask("GET", url, None, names_a=True)
                self.ask("GET", url_for(route, self.victim, "id"), None, names_a=True)
                self.ask("POST", url, fields, names_a=True)
            else:
                # The caller's own pages (or a public sign-in page): A's objects named in
                # the query and the form, and the page as it opens.
                for variant in ("name", "id") if route.params else ("name",):
                    self.ask("GET", url_for(route, self.victim, variant), None, names_a=False, public=route.public)
                self.ask("GET", url, fields, names_a=False, public=route.public)
                self.ask("POST", url, fields, names_a=False, public=route.public)


def test_the_crawl_notices_a_page_that_shows_the_account(victim):
    # Account A's own root, crawling its own objects: what a leak would look like.
    crawl = Crawl({"root": victim.root}, "root", victim)
    crawl.run([r for r in ROUTES if r.short_name in ("user_detail", "policy_detail", "user_list")])
    failures = "\n".join(crawl.failures)
    assert "GET /iam/users/alpha-user/ -> 200, not a 404" in failures
    assert f"GET /iam/policies/{victim.account.account_id}/alpha-policy/ -> 200, not a 404" in failures
    assert "root: GET /iam/users/ -> 200 shows A's [" in failures


@pytest.mark.parametrize("identity", IDENTITIES)
def test_another_account_reaches_nothing_of_account_a(identity, victim, caller):
    before = account_rows(victim.account)
    crawl = Crawl(caller, identity, victim)
    crawl.run()
    assert sum(crawl.statuses.values()) >= 3 * len(ROUTES)
    # Most URLs naming A's objects are found missing, not refused for want of a session.
    assert crawl.statuses[404] >= 2 * len([r for r in ROUTES if r.params and not r.public]), crawl.statuses
    assert not crawl.failures, f"{len(crawl.failures)} failures:\n" + "\n".join(crawl.failures)
    assert account_rows(victim.account) == before
