"""Event history (/iam/event-history/): filters, keyset pages, the JSON record, the JSON
and CSV downloads, cloudtrail:LookupEvents, isolation between accounts, a bounded number
of queries over 100,000 events, and pruneevents."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import Event
from audit.views import EventHistoryView
from tests.conftest import ROOT_PASSWORD, grant, signed_in_client

pytestmark = pytest.mark.django_db

URL = "/iam/event-history/"


def make_events(account, count: int, *, start=None, **fields) -> list[Event]:
    """``count`` events of ``account``, one a second going back from ``start``."""
    start = start or timezone.now()
    defaults = {"event_source": "iam.amazonaws.com", "event_name": "CreateUser", "source_ip": "192.0.2.7",
                "user_identity": {"type": "Root", "accountId": account.account_id}, "user_name": "root",
                "recipient_account_id": account.account_id}
    defaults.update(fields)
    return Event.objects.bulk_create(
        [Event(account=account, event_time=start - timedelta(seconds=index), **defaults) for index in range(count)],
        batch_size=2000)


@pytest.fixture
def client(root):
    client = signed_in_client(root)
    Event.objects.all().delete()
    return client


def names_on(response) -> list[str]:
    return [event.event_name for event in response.context["events"]]


def test_filters(client, account):
    now = timezone.now()
    make_events(account, 3, start=now, event_name="CreateUser", resource_name="carol",
                resource_arn=account.arn("user/carol"))
    make_events(account, 2, start=now - timedelta(hours=1), event_name="CreateGroup", user_name="dana",
                resource_name="Tills")
    make_events(account, 1, start=now - timedelta(days=2), event_name="AssumeRole",
                event_source="sts.amazonaws.com", read_only=True)
    assert len(names_on(client.get(URL))) == 6
    assert names_on(client.get(URL, {"event_name": "CreateGroup"})) == ["CreateGroup"] * 2
    assert names_on(client.get(URL, {"user_name": "dana"})) == ["CreateGroup"] * 2
    assert names_on(client.get(URL, {"resource": "carol"})) == ["CreateUser"] * 3
    assert names_on(client.get(URL, {"resource": account.arn("user/carol")})) == ["CreateUser"] * 3
    assert names_on(client.get(URL, {"event_source": "sts.amazonaws.com"})) == ["AssumeRole"]
    assert names_on(client.get(URL, {"read_only": "true"})) == ["AssumeRole"]
    assert len(names_on(client.get(URL, {"read_only": "false"}))) == 5
    since = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert "AssumeRole" not in names_on(client.get(URL, {"start": since}))
    until = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert names_on(client.get(URL, {"end": until})) == ["AssumeRole"]
    earlier = (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    backwards = client.get(URL, {"start": since, "end": earlier})
    assert "The start of the time range must be before its end." in backwards.content.decode()
    assert client.get(URL, {"event_source": "evil.example"}).status_code == 200  # not a choice: ignored


def test_keyset_pages_walk_every_event_once(client, account):
    made = make_events(account, 120)
    seen, url, pages = [], URL, 0
    while url and pages < 5:
        response = client.get(url)
        seen += [event.pk for event in response.context["events"]]
        cursor = response.context["next_cursor"]
        url = f"{URL}?after={cursor}" if cursor else ""
        pages += 1
    assert pages == 3 and len(seen) == 120 and set(seen) == {event.pk for event in Event.objects.all()}
    assert len(made) == 120
    assert client.get(URL, {"after": "not-a-cursor"}).status_code == 200  # the first page
    assert client.get(URL, {"after": "9" * 40 + ",1"}).status_code == 200


def test_an_event_opens_as_its_cloudtrail_record(client, root, account):
    from django.test import RequestFactory

    from audit import services as audit

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = root
    from accounts.identity import identity_for

    request.iam = identity_for(request)
    event = audit.record(request, event_name="CreateUser", request_parameters={"userName": "carol"})
    page = client.get(f"{URL}{event.event_id}/")
    assert page.status_code == 200
    record = json.loads(page.context["record"])
    assert record["eventID"] == str(event.event_id) and record["requestParameters"] == {"userName": "carol"}
    assert "&quot;eventVersion&quot;: &quot;1.08&quot;" in page.content.decode()


def test_downloads_are_the_filtered_list(client, account):
    make_events(account, 3, event_name="CreateUser", resource_name="carol")
    make_events(account, 2, event_name="DeleteUser", user_name="=HYPERLINK(\"x\")")
    body = client.get(URL, {"format": "json", "event_name": "CreateUser"})
    assert body["Content-Type"] == "application/json"
    assert 'filename="event_history.json"' in body["Content-Disposition"]
    records = json.loads(body.content)["Records"]
    assert [r["eventName"] for r in records] == ["CreateUser"] * 3
    assert set(records[0]) >= {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName",
                               "awsRegion", "sourceIPAddress", "userAgent", "requestParameters",
                               "responseElements", "eventID", "readOnly", "eventType", "managementEvent",
                               "recipientAccountId"}
    sheet = client.get(URL, {"format": "csv", "event_name": "DeleteUser"})
    assert sheet["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(sheet.content.decode())))
    assert rows[0][:4] == ["Event ID", "Event time", "User name", "Event name"]
    assert len(rows) == 3 and rows[1][3] == "DeleteUser"
    assert rows[1][2] == "'=HYPERLINK(\"x\")"  # never a formula


def test_accounts_see_only_their_own_events(client, account, mallory):
    mine = make_events(account, 2, event_name="CreateUser")
    make_events(mallory.account, 2, event_name="DeleteAccountAlias")
    theirs = Event.objects.filter(account=mallory.account).first()
    assert names_on(client.get(URL)) == ["CreateUser"] * 2
    assert client.get(f"{URL}{theirs.event_id}/").status_code == 404
    records = json.loads(client.get(URL, {"format": "json"}).content)["Records"]
    assert {r["eventName"] for r in records} == {"CreateUser"}
    mallory_client = signed_in_client(mallory)
    assert mallory_client.get(f"{URL}{mine[0].event_id}/").status_code == 404


def test_a_management_account_looks_up_its_member_accounts_events(client, account, aws_managed_policies, mallory):
    from organizations import services as organizations

    org = organizations.create_organization(account)
    member, _password = organizations.create_account(org, name="Trainee 1", email="trainee1@class.example")
    mine = make_events(account, 2, event_name="CreateUser")
    theirs = make_events(member.account, 3, event_name="AttachUserPolicy", user_name="dev")
    make_events(mallory.account, 1, event_name="DeleteAccountAlias")
    page = client.get(URL)
    assert names_on(page) == ["CreateUser"] * 2  # its own account unless it chooses another
    assert member.account.account_id in page.content.decode()  # offered in the Account filter
    chosen = client.get(URL, {"account": member.account.account_id, "user_name": "dev"})
    assert names_on(chosen) == ["AttachUserPolicy"] * 3
    records = json.loads(client.get(URL, {"account": member.account.account_id, "format": "json"}).content)
    assert {r["recipientAccountId"] for r in records["Records"]} == {member.account.account_id}
    assert client.get(f"{URL}{theirs[0].event_id}/").status_code == 200
    # An account outside the organization is no choice: the form says so, and lists its own.
    stranger = client.get(URL, {"account": mallory.account.account_id})
    assert names_on(stranger) == ["CreateUser"] * 2 and "Select a valid choice" in stranger.content.decode()
    # The member account sees only its own events, never the management account's.
    member_root = member.account.principals.get(is_root=True)
    member_root.set_password(ROOT_PASSWORD)
    member_root.password_reset_required = False
    member_root.save()
    member_client = signed_in_client(member_root)
    assert set(names_on(member_client.get(URL))) == {"AttachUserPolicy", "ConsoleLogin"}  # its own sign-in
    assert member_client.get(URL, {"account": account.account_id}).context["events"][0].account_id == member.account.pk
    assert member_client.get(f"{URL}{mine[0].event_id}/").status_code == 404


def test_lookup_events_is_required(account, bob):
    client = signed_in_client(bob)
    denied = client.get(URL)
    assert denied.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: cloudtrail:LookupEvents on resource: *"
            in denied.content.decode())
    grant(bob, {"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"})
    assert client.get(URL).status_code == 200


def test_a_page_is_a_bounded_number_of_queries_over_one_index_range(client, account, mallory,
                                                                     django_assert_max_num_queries):
    """5,000 events here (100,000 take minutes to insert on the shared test machine): the
    number of queries does not depend on it, and each page reads one range of an index that
    starts with the account and ends with the time, so it does not grow with the trail
    either (the plan has no sort: docs/audit.md)."""
    make_events(account, 5000, event_name="PutUserPolicy", user_name="dana")
    make_events(mallory.account, 500)
    with django_assert_max_num_queries(12):
        first = client.get(URL)
    cursor = first.context["next_cursor"]
    with django_assert_max_num_queries(12):
        filtered = client.get(URL, {"event_name": "PutUserPolicy", "user_name": "dana", "after": cursor})
    assert len(filtered.context["events"]) == 50
    if connection.vendor == "sqlite":
        for query in (EventHistoryView.page_query(account, {}),
                      EventHistoryView.page_query(account, {"event_name": "PutUserPolicy"}),
                      EventHistoryView.page_query(account, {"user_name": "dana"}),
                      EventHistoryView.page_query(account, {"resource": "carol"}),
                      EventHistoryView.page_query(account, {"resource": account.arn("user/carol")})):
            sql, params = query.query.sql_with_params()
            with connection.cursor() as cursor_:
                plan = " ".join(str(row) for row in cursor_.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "audit_event_acct" in plan and "TEMP B-TREE" not in plan, plan


def test_pruneevents_deletes_what_is_older_than_the_retention(account, settings):
    settings.IAMPORTAL_AUDIT_RETENTION_DAYS = 90
    now = timezone.now()
    make_events(account, 5, start=now - timedelta(days=91), event_name="Old")
    make_events(account, 3, start=now - timedelta(days=89), event_name="Recent")
    out = io.StringIO()
    call_command("pruneevents", "--batch", "2", stdout=out)
    assert "Deleted 5 events older than 90 days." in out.getvalue()
    assert set(Event.objects.values_list("event_name", flat=True)) == {"Recent"}
