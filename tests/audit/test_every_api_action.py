"""Every Query API action the audit trail must record writes exactly one record, through the
dispatcher, whatever the call's outcome: the action is found in the registry, not listed,
so a new action cannot slip past the trail (docs/audit.md).

Each action is called by the root user with no parameters but Action and Version: most
fail IAM's validation (a failure record with the answer's error code), a few succeed (a
success record); either way exactly one record, named after the action. Reads record
nothing on success and one record when refused.
"""

from __future__ import annotations

import pytest
from django.test import Client

from api import registry
from audit import services as audit
from audit.models import Event
from tests.api.conftest import new_key
from tests.api.helpers import error_of, signed_post
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db

VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}
RECORDED = [(service, name) for service in VERSIONS for name in registry.names(service) if audit.audited(name)]
READS = [name for name in registry.names("iam") if not audit.audited(name)]


def call(key, service: str, name: str):
    return signed_post(Client(), key, {"Action": name, "Version": VERSIONS[service]}, service=service)


def test_the_walk_covers_the_api():
    assert len(RECORDED) >= 80 and ("iam", "CreateUser") in RECORDED and ("sts", "AssumeRole") in RECORDED
    assert "GetUser" in READS and "ListUsers" in READS


@pytest.mark.parametrize(("service", "name"), RECORDED)
def test_each_recorded_action_writes_one_record_whatever_its_outcome(root, service, name):
    key = new_key(root)
    Event.objects.all().delete()
    response = call(key, service, name)
    assert response.status_code < 500
    events = list(Event.objects.all())
    assert [(event.event_name, event.event_source) for event in events] == [(name, f"{service}.amazonaws.com")]
    expected_code = error_of(response)[1] if response.status_code >= 400 else ""
    assert events[0].error_code == expected_code
    assert events[0].user_identity["type"] == "Root" and events[0].account_id == root.account_id


@pytest.mark.parametrize("name", READS)
def test_a_read_is_recorded_only_when_refused(account, bob, name):
    signed_in_client(bob)  # bob has no policies: every call of his is refused
    key = new_key(bob)
    Event.objects.all().delete()
    response = call(key, "iam", name)
    assert response.status_code < 500
    events = [(event.event_name, event.error_code) for event in Event.objects.all()]
    if response.status_code == 403:
        assert events == [(name, "AccessDenied")]
    else:  # refused before authorisation (a missing parameter): IAM's validation, recorded as a failure
        assert events in ([], [(name, error_of(response)[1])])
