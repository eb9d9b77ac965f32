"""The console crawl (issue #11, "Quality bars"): from the dashboard, follow every
same-origin link and submit every GET form with its default values, as the coffee-shop
demo's root user, its admin user (AdministratorAccess), a read-only user
(IAMReadOnlyAccess) and a user with no policies.

Every page answers without a 5xx; no page opened from a link answers 400; no link, form
or printed console URL points at another host or port than the one serving the page.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from accounts import demo, services
from tests.conftest import attach_aws_policy
from tests.security.helpers import Page

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
# Pages of one view with the same query keys: enough for every object of the demo, not the
# whole catalogue of AWS managed policies and each page and sort order of every list.
PER_SHAPE = 8
# Same-origin links the crawl does not open: they end the session it is crawling with.
SESSION_ENDING = ("/signout/", "/switchrole/back")
# A console URL printed in a page (text, not only links): it must name the serving origin.
PRINTED_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|testserver|0\.0\.0\.0)(?::\d+)?[^\s\"'<]*")


def same_origin(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("", "http") and parts.netloc in ("", "testserver")


def shape_of(path: str) -> str:
    """The URL name of the view serving ``path`` (the path itself when none does)."""
    try:
        return resolve(path).view_name
    except Resolver404:
        return path


def crawl(client: Client, start: str = "/iam/") -> tuple[list[str], int]:
    """Open ``start`` and everything reachable from it; the failures, and how many pages."""
    failures: list[str] = []
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    seen = {start}
    shapes: Counter[tuple[str, frozenset[str]]] = Counter()
    while queue:
        url, origin = queue.popleft()
        response = client.get(url)
        status = response.status_code
        if status >= 500 or status == 400:
            failures.append(f"{url} (from {origin}) -> {status}")
        targets: list[str] = []
        if status in (301, 302, 303, 307, 308):
            targets.append(response["Location"])
        elif "text/html" in response.get("Content-Type", ""):
            text = response.content.decode()
            page = Page(text)
            for other in page.urls + PRINTED_URL.findall(text):
                absolute = urljoin(ORIGIN + url, other)
                if urlsplit(absolute).scheme in ("http", "https") and not same_origin(absolute):
                    failures.append(f"{url} points at another origin: {other}")
            targets += page.links
            targets += [f"{form.action or url}?{urlencode(form.fields)}" for form in page.forms if form.method == "get"]
        for target in targets:
            absolute = urljoin(ORIGIN + url, target)
            if not same_origin(absolute):
                continue
            parts = urlsplit(absolute)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen or parts.path.startswith(SESSION_ENDING) or parts.path.startswith("/static/"):
                continue
            shape = (shape_of(parts.path), frozenset(parse_qs(parts.query, keep_blank_values=True)))
            shapes[shape] += 1
            if shapes[shape] > PER_SHAPE:
                continue
            seen.add(local)
            queue.append((local, url))
    return failures, len(seen)


def sign_in(user) -> Client:
    client = Client()
    url = "/signin/" if user.is_root else f"/signin/{user.account.account_id}/"
    data = {"email": user.email} if user.is_root else {"user_name": user.user_name}
    response = client.post(url, dict(data, password=demo.PASSWORD))
    assert response.status_code == 302, response.content[:300]
    return client


@pytest.fixture
def shop(aws_managed_policies):
    """The coffee-shop demo, with a read-only user and a user without any policy."""
    result = demo.load_demo()
    account = result.account
    reader = services.create_user(account, user_name="reader", console_password=demo.PASSWORD)
    attach_aws_policy(reader, "IAMReadOnlyAccess")
    services.create_user(account, user_name="newcomer", console_password=demo.PASSWORD)
    return {"root": result.root, "admin user": services.get_user(account, "admin"),
            "read-only user": reader, "user with no policies": services.get_user(account, "newcomer")}


@pytest.mark.parametrize("identity", ["root", "admin user", "read-only user", "user with no policies"])
def test_every_page_reachable_from_the_dashboard_opens(identity, shop):
    failures, pages = crawl(sign_in(shop[identity]))
    assert pages >= 3
    failures = list(dict.fromkeys(failures))
    assert not failures, f"{len(failures)} failures in {pages} pages:\n" + "\n".join(failures)
