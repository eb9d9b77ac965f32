"""Hostile input (docs/security.md, "Running the checks"): every form of the console, posted
with what a hostile or careless visitor sends.

The forms are found, not listed: every URL pattern (tests/security/helpers.routes) named
with the caller's own objects, its page opened, the fields of its POST forms read from the
HTML (a POST-only view gets the fields the console's forms use). Hypothesis then fills the
fields with long strings, Unicode, NUL bytes, right-to-left marks, HTML and script, huge and
deeply nested JSON (policy fields), and each example is posted to every form. Always:

- no 5xx;
- an answer that is not a redirect (an error, a form shown again) saved nothing: every
  table holds as many rows as before;
- a posted ``<script>`` or ``onerror=`` never comes back unescaped in an HTML page.

Odd charsets (``charset=utf-16``), bogus wizard steps and sign-in's ``next=`` get their own
cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve
from hypothesis import strategies as st

from tests.conftest import ROOT_PASSWORD, csrf_post, signed_in_client

from .helpers import Page, build_victim, row_counts, routes, url_for

pytestmark = pytest.mark.django_db

# Views that end the session they are posted with: nothing to fill.
SESSION_ENDING = {"signout", "switch_back"}
FORM_ROUTES = [r for r in routes() if r.short_name not in SESSION_ENDING]
# Fields the console's forms use, for a POST-only view (no page to read them from).
POST_ONLY_FIELDS = ["confirm", "confirmation", "policy_arn", "entity_type", "entity_name", "device",
                    "users", "groups", "tag_key", "tag_value"]

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
NEEDLES = (SCRIPT, IMG)

HOSTILE_TEXT = [
    SCRIPT, f'"><{IMG[1:]}', f"alice{SCRIPT}", "\x00", "alice\x00", "\u202eresu\u202c", "\u200falice",
    "名前-ユーザー", "🙂" * 40, "' OR 1=1 --", "../../etc/passwd", "%00%2e%2e", "\r\nSet-Cookie: a=b",
    "${aws:username}", " ", "", "a" * 129, "x" * 5_000, "Ω" * 70_000, "\ud7ff\ue000\uffff", "0", "-1",
    "99999999999999999999", "true", "arn:aws:iam::000000000000:policy/x", "arn:aws:iam::aws:policy/../../x",
]


def _policy(**statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [dict(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, **statement)]})


HOSTILE_JSON = [
    "[" * 50_000 + "]" * 50_000, '{"a":' * 20_000 + "1" + "}" * 20_000,
    '{"Version": "2012-10-17", "Statement": ' + "[" * 3_000 + "]" * 3_000 + "}",
    _policy(Sid=SCRIPT), _policy(Resource=f"arn:aws:s3:::{IMG}"), _policy(Action=f"s3:{SCRIPT}"),
    _policy(Condition={"StringLike": {SCRIPT: IMG}}), _policy(Sid="\x00"), _policy(Resource="\u202e*"),
    json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": f"s3:Get{i}", "Resource": "*"} for i in range(3_000)]}),
    "null", "1e999999", '"\\ud800"', "{}", "[]", '{"Version": "2012-10-17"}', "{" + '"a":1,' * 1_000 + '"a":2}',
]

text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=200),
                 st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE_TEXT), st.text(max_size=20)))
JSON_FIELDS = ("document", "policy", "trust_policy", "custom_trust_policy", "permissions-document",
               "permissions-policy", "trust_entity-custom_trust_policy")


def strategy_for(name: str) -> st.SearchStrategy:
    if any(name.endswith(f) for f in JSON_FIELDS):
        return st.one_of(st.sampled_from(HOSTILE_JSON), text)
    return st.one_of(text, st.lists(text, min_size=2, max_size=3))


@dataclass
class Target:
    """One form to post: its URL, the fields to fill, and the fields kept as the page set them
    (the wizard's ``current_step``)."""

    url: str
    names: list[str]
    fixed: dict[str, str] = field(default_factory=dict)


def targets(client, objects) -> list[Target]:
    """Every form of the caller's own account: each page's POST forms, each wizard step, and
    each POST-only view."""
    found = []
    for route in FORM_ROUTES:
        url = url_for(route, objects)
        response = client.get(url)
        if response.status_code == 405:
            found.append(Target(url, POST_ONLY_FIELDS))
            continue
        forms = [f for f in Page(response.content.decode()).forms if f.method == "post" and f.action in ("", url)]
        names = {n for f in forms for n in f.names if n != "csrfmiddlewaretoken"}
        step_field = next((n for n in names if n.endswith("-current_step")), None)
        view = getattr(resolve(url).func, "view_class", None)
        if step_field:  # a wizard: every step, its fields named <step>-<field>
            found += [Target(url, [f"{step}-{name}" for name in form.base_fields], {step_field: step})
                      for step, form in view.form_list]
        elif names:
            found.append(Target(url, sorted(names | set(POST_ONLY_FIELDS))))
    return found


@pytest.fixture
def own(aws_managed_policies):
    """An account with one of everything, its root signed in, and the forms it can post."""
    objects = build_victim("owner@hostile-input.example")
    own = SimpleNamespace(objects=objects, client=None)
    stay_signed_in(own)
    own.targets = targets(own.client, objects)
    return own


def stay_signed_in(own) -> None:
    """Sign the root in again when a post ended its session (a sign-in form, say)."""
    if own.client is None or "_auth_user_id" not in own.client.session:
        own.client = signed_in_client(own.objects.root)
        own.client.raise_request_exception = False  # a server error is a 500 response to check


def test_every_form_is_found(own):
    found = {(t.url, tuple(t.fixed.values())): t.names for t in own.targets}
    assert len(found) >= 40
    assert "details-user_name" in found["/iam/users/create/", ("details",)]
    assert "review-name" in found["/iam/policies/create/", ("review",)]
    assert "permissions-document" in found["/iam/policies/create/", ("permissions",)]
    assert "confirmation" in found[f"/iam/users/{own.objects.user.user_name}/delete/", ()]


#: Pages that answer a successful POST with 200 rather than a redirect, because they show
#: a secret once (a reset console password); a save is what they report.
ONE_TIME_RESULTS = {"accounts/user_console_password.html"}


def shows_one_time_result(response) -> bool:
    return any(template.name in ONE_TIME_RESULTS for template in getattr(response, "templates", None) or [])


def check(response, url: str, data: dict, before: dict, after: dict) -> list[str]:
    """What went wrong with one hostile post."""
    problems = []
    shown = {k: (v[:60] if isinstance(v, str) else v) for k, v in data.items() if k != "csrfmiddlewaretoken"}
    if response.status_code >= 500:
        problems.append(f"POST {url} {shown!r} -> {response.status_code}")
    elif response.status_code not in (301, 302, 303) and after != before and not shows_one_time_result(response):
        changed = sorted(label for label in after if after[label] != before.get(label))
        problems.append(f"POST {url} {shown!r} -> {response.status_code} but saved something: {changed}")
    if "text/html" in response.get("Content-Type", ""):
        body = response.content.decode(errors="replace")
        problems += [f"POST {url} {shown!r} shows {needle} unescaped" for needle in NEEDLES if needle in body]
    return problems


#: The forms are posted to in this many shares (see test_hostile_posts_to_every_form).
PARTS = 6


@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
@pytest.mark.parametrize("part", range(PARTS))
def test_hostile_posts_to_every_form(own, part, data):
    """Every form, a share of them per test (one example drawing for every form at once
    outgrew Hypothesis's buffer, and it then kept drawing new examples without end)."""
    problems = []
    stay_signed_in(own)
    # Each example starts from the same account: what a successful post changed is undone.
    with transaction.atomic():
        counts = row_counts()
        for target in own.targets[part::PARTS]:
            posted = {name: data.draw(strategy_for(name), label=f"{target.url} {name}") for name in target.names}
            posted.update(target.fixed)
            response = csrf_post(own.client, target.url, posted)
            before, counts = counts, row_counts()
            problems += check(response, target.url, posted, before, counts)
            stay_signed_in(own)
        transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def post_raw(client, url: str, body: bytes, content_type: str):
    """POST ``body`` as it is, whatever ``content_type`` claims."""
    return client.generic("POST", url, body, content_type=content_type,
                          HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)


CHARSETS = ["utf-16", "utf-32", "x-no-such-charset", "latin-1"]
STEPS = ["bogus", "", "0", "done", "<script>", "permissions\x00"]


def test_odd_charsets_are_refused_without_a_5xx(own):
    failures = []
    for charset, target in ((c, t) for c in CHARSETS for t in own.targets):
        fields = dict.fromkeys(target.names, "é<script>") | target.fixed
        body = "&".join(f"{k}={v}" for k, v in fields.items()).encode(
            "utf-8" if charset.startswith("x-") else charset)
        before = row_counts()
        response = post_raw(own.client, target.url, body, f"application/x-www-form-urlencoded; charset={charset}")
        if response.status_code >= 500:
            failures.append(f"POST {target.url} charset={charset} -> {response.status_code}")
        elif response.status_code not in (301, 302, 303) and row_counts() != before:
            failures.append(f"POST {target.url} charset={charset} -> {response.status_code} but saved something")
        stay_signed_in(own)
    assert not failures, "\n".join(failures)


def test_bogus_wizard_steps_are_refused_without_a_5xx(own):
    wizards = [t for t in own.targets if t.fixed]
    assert {t.url for t in wizards} >= {"/iam/users/create/", "/iam/roles/create/", "/iam/policies/create/"}
    failures = []
    for step, target in ((s, t) for s in STEPS for t in wizards):
        step_field = next(iter(target.fixed))
        for data in ({step_field: step}, {**target.fixed, "wizard_goto_step": step}):
            response = csrf_post(own.client, target.url, data)
            if response.status_code >= 500:
                failures.append(f"POST {target.url} {data!r} -> {response.status_code}")
    assert not failures, "\n".join(failures)


NEXTS = ["x", "dashboard", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example",
         "\\\\evil.example", "/iam/\x00", "/iam/users/?q=<script>", "http://testserver:8000/iam/"]


def test_sign_in_goes_nowhere_but_this_site_whatever_next_says(own):
    failures = []
    for target in NEXTS:
        client = Client(raise_request_exception=False)
        response = client.post("/signin/", {"email": own.objects.root.email, "password": ROOT_PASSWORD, "next": target})
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith("/") or location.startswith(("//", "/\\")):
            failures.append(f"next={target!r} -> {response.status_code} {location!r}")
    assert not failures, "\n".join(failures)


def test_the_check_notices_a_script_shown_unescaped():
    page = HttpResponse(f"<p>{SCRIPT}</p>")
    assert check(page, "/x/", {"name": SCRIPT}, {}, {}) == [f"POST /x/ {{'name': {SCRIPT!r}}} shows {SCRIPT} unescaped"]
    assert check(HttpResponse("&lt;script&gt;"), "/x/", {"name": SCRIPT}, {"a": 1}, {"a": 2}) == [
        f"POST /x/ {{'name': {SCRIPT!r}}} -> 200 but saved something: ['a']"]
