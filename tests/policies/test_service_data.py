"""The visual policy editor's service data (``/iam/policies/service-data/``): AWS's public
reference, one service at a time, for any signed-in principal (policies or not), cached by
ETag; anonymous callers are sent to sign in; an unknown prefix is a 404."""

from __future__ import annotations

import json

import pytest

from policies.engine import catalogue

pytestmark = pytest.mark.django_db

LIST_URL = "/iam/policies/service-data/"  # one service: ?service=<prefix>


def test_the_service_list_names_every_service_with_its_action_count(bob_client, account):
    response = bob_client.get(LIST_URL)  # bob has no policies: the reference is not account data
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    rows = {prefix: (name, count) for prefix, name, count in data["services"]}
    assert set(rows) == set(catalogue.services())
    assert rows["s3"] == (catalogue.service_name("s3"), len(catalogue.actions_for_service("s3")))
    assert data["levels"] == ["List", "Read", "Write", "Permissions management", "Tagging"]
    assert ["aws:SourceIp", "IPAddress"] in data["globalKeys"]
    assert data["account"] == account.account_id


def test_a_service_lists_actions_resource_types_and_condition_keys(root_client):
    response = root_client.get(LIST_URL + "?service=s3")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["prefix"] == "s3" and data["name"] == catalogue.service_name("s3")
    actions = {row[0]: row for row in data["actions"]}
    assert set(actions) == set(catalogue.actions_for_service("s3"))
    name, level, types, keys = actions["GetObject"]
    assert catalogue.ACCESS_LEVELS[level] == catalogue.access_level("s3:GetObject") == "Read"
    assert types == [[t.name, int(t.required)] for t in catalogue.resource_types("s3:GetObject")]
    assert "object" in [row[0] for row in types]
    object_type = next(t for t in catalogue.resource_types("s3:GetObject") if t.name == "object")
    assert data["resources"]["object"] == [object_type.arn, list(object_type.condition_keys)]
    assert keys == list(catalogue.condition_keys("s3:GetObject"))
    assert data["conditions"] == {k.name: k.type for k in catalogue.service_condition_keys("s3")}


def test_every_access_level_is_represented(root_client):
    data = json.loads(root_client.get(LIST_URL + "?service=iam").content)
    assert {row[1] for row in data["actions"]} == {0, 1, 2, 3, 4}


def test_prefixes_are_case_insensitive(root_client):
    assert json.loads(root_client.get(LIST_URL + "?service=S3").content)["prefix"] == "s3"


@pytest.mark.parametrize("prefix", ["nosuchservice", "s3x", "a" * 100, "../s3", ""])
def test_an_unknown_prefix_is_a_404(root_client, prefix):
    assert root_client.get(LIST_URL, {"service": prefix}).status_code == 404


@pytest.mark.parametrize("url", [LIST_URL, LIST_URL + "?service=s3"])
def test_anonymous_callers_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/signin" in response["Location"]
    assert b"GetObject" not in response.content


def test_responses_carry_an_etag_and_answer_304(root_client):
    first = root_client.get(LIST_URL + "?service=ec2")
    assert first["Cache-Control"] == "private, max-age=3600"
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = root_client.get(LIST_URL + "?service=ec2", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    other = root_client.get(LIST_URL + "?service=ec2", HTTP_IF_NONE_MATCH='"stale"')
    assert other.status_code == 200
    assert root_client.get(LIST_URL + "?service=s3")["ETag"] != etag


def test_the_service_list_etag_is_per_account(root_client, mallory_client):
    ours, theirs = root_client.get(LIST_URL), mallory_client.get(LIST_URL)
    assert ours["ETag"] != theirs["ETag"]
    assert json.loads(ours.content)["account"] != json.loads(theirs.content)["account"]


def test_the_largest_service_stays_bounded(root_client):
    response = root_client.get(LIST_URL + "?service=ec2")
    assert len(response.content) < 300_000  # one service per request, compact rows
    zipped = root_client.get(LIST_URL + "?service=ec2", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    assert len(zipped.content) < len(response.content) / 5
    # A browser sends back the weak ETag gzip gave it: still a 304.
    assert root_client.get(LIST_URL + "?service=ec2", HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304


def test_requests_cost_few_queries(root_client, django_assert_max_num_queries):
    root_client.get(LIST_URL)  # warm the per-process caches
    root_client.get(LIST_URL + "?service=iam")
    # The session and the signed-in identity only: the data itself is no query.
    with django_assert_max_num_queries(4):
        assert root_client.get(LIST_URL).status_code == 200
    with django_assert_max_num_queries(4):
        assert root_client.get(LIST_URL + "?service=iam").status_code == 200


def test_only_get_is_allowed(root_client):
    from tests.conftest import csrf_post

    assert csrf_post(root_client, LIST_URL).status_code == 405


def test_a_resource_type_with_several_arn_formats_sends_them_all(root_client):
    """API Gateway's Stage is /apis/… (HTTP APIs) and /restapis/… (REST APIs): both are sent."""
    data = json.loads(root_client.get(LIST_URL + "?service=apigateway").content)
    stage = next(t for t in catalogue.resource_types("apigateway:GET") if t.name == "Stage")
    assert stage.more_arns
    assert data["resources"]["Stage"] == [stage.arn, list(stage.condition_keys), list(stage.more_arns)]
    assert any("/restapis/${RestApiId}/stages/${StageName}" in arn for arn in data["resources"]["Stage"][2])


def test_the_editor_offers_every_global_key_the_validator_knows(root_client):
    """The visual editor's key list (with types) and the validator's must not drift apart."""
    from policies.engine import validation

    offered = {key.lower() for key, _ in json.loads(root_client.get(LIST_URL).content)["globalKeys"]}
    assert set(validation._GLOBAL_KEYS) <= offered
