"""A hostile review of the Query API (issue #12): signed raw requests (Django's test client,
botocore's signer) that an SDK would never send, each finding's regression test, and a
fuzz of every registered action with random parameters (never a 5xx)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import botocore.session
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import federation, services
from accounts.models import Throttle
from api import testmode
from api.registry import ACTIONS
from audit.models import Event
from policies import services as policy_services
from tests.accounts.pem import saml_metadata
from tests.api.conftest import allow, new_key
from tests.api.helpers import error_of, signed_post

IAM = "2010-05-08"
STS = "2011-06-15"


@pytest.fixture
def raw():
    return Client()


def call(client, key, action: str, *, service: str = "iam", **params):
    return signed_post(client, key, {"Action": action, "Version": IAM if service == "iam" else STS, **params},
                       service=service)


def user_key(account, name: str, *documents: str) -> tuple[str, str]:
    user = services.create_user(account, user_name=name)
    for index, document in enumerate(documents):
        policy_services.put_inline_policy(user, name=f"p{index}", document=document)
    return new_key(user)


# ---------------------------------------------------------------------------
# Authentication


def test_a_date_header_past_year_9999_is_incomplete_signature_not_a_500(raw, root):
    """sigv4 turned the Date header into X-Amz-Date with datetime, which has no year 10000."""
    key_id, _ = new_key(root)
    authorization = (f"AWS4-HMAC-SHA256 Credential={key_id}/20261203/us-east-1/iam/aws4_request, "
                     "SignedHeaders=date;host, Signature=" + "0" * 64)
    for date in ("Fri, 01 Jan 10000 00:00:00 +0000", "Fri, 01 Jan 99999999999999999999 00:00:00 +0000"):
        response = raw.post("/", "Action=ListUsers&Version=2010-05-08",
                            content_type="application/x-www-form-urlencoded",
                            HTTP_AUTHORIZATION=authorization, HTTP_DATE=date)
        assert response.status_code == 400, date
        assert error_of(response)[1] == "IncompleteSignature"


def test_an_access_key_id_with_a_nul_is_unknown_and_never_reaches_the_database(raw, root):
    """PostgreSQL refuses a NUL in a query (a 500 there); such an id names no credentials."""
    for key_id, token in (("AKIA\x00AAAAAAAAAAAAAAAA", None), ("ASIA\x00AAAAAAAAAAAAAAAA", "token")):
        response = signed_post(raw, (key_id, "x" * 40), {"Action": "ListUsers", "Version": IAM}, token=token)
        assert (response.status_code, error_of(response)[1]) == (403, "InvalidClientTokenId")
    keys = list(Throttle.objects.values_list("key", flat=True))
    assert not any("\x00" in key for key in keys)
    assert any(key.endswith(":-") for key in keys)  # still counted as failures


def test_a_nul_in_any_parameter_is_recorded_as_u_fffd_never_as_a_nul(raw, root):
    """PostgreSQL stores no NUL in a text or JSON column: the audit record of a call with
    one (a refused call's message repeats it) made the answer a 500 there."""
    key = new_key(root)
    response = call(raw, key, "CreateUser", UserName="bad\x00name", Extra="x\x00y")
    assert (response.status_code, error_of(response)[1]) == (400, "ValidationError")
    response = call(raw, key, "CreateGroup", GroupName="team", Extra="x\x00y")
    assert response.status_code == 200
    records = [json.dumps(event.as_record(), ensure_ascii=False) for event in Event.objects.all()]
    assert len(records) == 2 and not any("\x00" in record or "\\u0000" in record for record in records)
    assert all("x\ufffdy" in record for record in records)


def test_a_forged_x_forwarded_for_neither_escapes_nor_shifts_the_failure_budget(raw, root, settings):
    """Without a trusted proxy the budget is the peer's: rotating X-Forwarded-For buys no
    more guesses, and cannot spend another address's budget."""
    settings.IAMPORTAL_API_KEY_FAILURES = 3
    key_id, secret = new_key(root)
    for number in range(3):
        response = signed_post(raw, (key_id, "x" * 40), {"Action": "ListUsers", "Version": IAM},
                               extra_headers={"X-Forwarded-For": f"203.0.113.{number}"})
        assert error_of(response)[1] == "SignatureDoesNotMatch"
    response = signed_post(raw, (key_id, secret), {"Action": "ListUsers", "Version": IAM},
                           extra_headers={"X-Forwarded-For": "198.51.100.7"})
    assert (response.status_code, error_of(response)[1]) == (400, "Throttling")
    elsewhere = Client(REMOTE_ADDR="192.0.2.10")
    assert signed_post(elsewhere, (key_id, secret), {"Action": "ListUsers", "Version": IAM}).status_code == 200


def test_the_test_mode_key_left_in_the_database_is_unknown_once_test_mode_is_off(raw, db, settings):
    """FOOBARKEY / FOOBARSECRET is public: a database a test-mode server once used keeps its
    row, and the key opened that account's root user after a restart without test mode."""
    settings.IAMPORTAL_TEST_HOOKS = True
    assert raw.post("/_test/reset").status_code == 200
    key = (testmode.ACCESS_KEY_ID, testmode.SECRET_ACCESS_KEY)
    assert call(raw, key, "GetCallerIdentity", service="sts").status_code == 200
    settings.IAMPORTAL_TEST_HOOKS = False
    response = call(raw, key, "GetCallerIdentity", service="sts")
    assert (response.status_code, error_of(response)[1]) == (403, "InvalidClientTokenId")
    assert raw.post("/_test/reset").status_code == 404


@pytest.mark.parametrize("valid_until", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_saml_metadata_valid_until_beyond_datetimes_range_in_utc_is_invalid_input(raw, root, valid_until):
    """validUntil is kept in UTC; an offset that carries it past year 9999 (or before year 1)
    overflowed on saving: a 500."""
    response = call(raw, new_key(root), "CreateSAMLProvider", Name="Far",
                    SAMLMetadataDocument=saml_metadata(valid_until=valid_until))
    assert (response.status_code, error_of(response)[1]) == (400, "InvalidInput")
    response = call(raw, new_key(root), "CreateSAMLProvider", Name="Near",
                    SAMLMetadataDocument=saml_metadata(valid_until="9999-12-31T23:59:59+01:00"))
    assert response.status_code == 200


# ---------------------------------------------------------------------------
# Authorisation


def test_a_saml_provider_is_authorised_on_its_own_arn_whatever_the_case_asked(raw, account):
    """find_saml_provider matches the name case-insensitively; the action was authorised on
    the ARN as the caller spelled it, so a Deny on the provider's ARN was walked around."""
    provider = federation.create_saml_provider(account, name="CorpIdP", metadata_document=saml_metadata())
    key = user_key(account, "eve", allow("iam:*"),
                   allow("iam:DeleteSAMLProvider", provider.arn, effect="Deny"))
    other_case = provider.arn.replace("CorpIdP", "corpidp")
    response = call(raw, key, "DeleteSAMLProvider", SAMLProviderArn=other_case)
    assert response.status_code == 403
    assert error_of(response)[1] == "AccessDenied"
    assert provider.arn in error_of(response)[2]
    assert type(provider).objects.filter(pk=provider.pk).exists()


def test_create_role_with_a_boundary_is_also_put_role_permissions_boundary(raw, account):
    """The console's create-role wizard authorises the boundary as PutRolePermissionsBoundary;
    the API's CreateRole did not, so a Deny on it was walked around over the API."""
    key = user_key(account, "eve", allow("iam:*"), allow("iam:PutRolePermissionsBoundary", effect="Deny"))
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    trust = allow("sts:AssumeRole").replace('"Resource": "*"', '"Principal": {"Service": "ec2.amazonaws.com"}')
    response = call(raw, key, "CreateRole", RoleName="bounded", AssumeRolePolicyDocument=trust,
                    PermissionsBoundary=boundary)
    assert (response.status_code, error_of(response)[1]) == (403, "AccessDenied")
    assert "iam:PutRolePermissionsBoundary" in error_of(response)[2]
    assert not account.roles.filter(name="bounded").exists()
    assert call(raw, key, "CreateRole", RoleName="free", AssumeRolePolicyDocument=trust).status_code == 200


# ---------------------------------------------------------------------------
# Secrets


def test_an_mfa_code_of_the_wrong_length_is_never_repeated_in_the_error_or_the_trail(raw, alice):
    key = new_key(alice)
    for action in ("GetSessionToken", "AssumeRole"):
        response = call(raw, key, action, service="sts", SerialNumber="arn:aws:iam::123456789012:mfa/alice",
                        TokenCode="9081726", RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="s")
        assert response.status_code == 400
        assert error_of(response)[1] == "ValidationError"
        assert "9081726" not in response.content.decode()
    assert not any("9081726" in json.dumps(event.as_record()) for event in Event.objects.all())


# ---------------------------------------------------------------------------
# Never a 5xx: every registered action with random parameters, signed by root


#: The Query-protocol actions (AWS Organizations speaks JSON: tests/api/test_organizations.py).
QUERY_ACTIONS = sorted((service, name) for service, name in ACTIONS if service in ("iam", "sts"))


def _operation_members() -> dict[tuple[str, str], dict]:
    """Each registered Query action's input members and their shapes, from botocore's models."""
    session = botocore.session.get_session()
    models = {service: session.get_service_model(service) for service in ("iam", "sts")}
    members = {}
    for service, name in QUERY_ACTIONS:
        model = models[service]
        shape = model.operation_model(name).input_shape if name in model.operation_names else None
        members[(service, name)] = dict(shape.members) if shape is not None else {}
    return members


MEMBERS = _operation_members()
HOSTILE = st.sampled_from([
    "", " ", "\x00", "arn:aws:iam::000000000000:user/x", "arn:aws:iam::123456789012:role/r", "arn:aws:iam::aws:"
    "policy/AdministratorAccess", "arn:aws:iam::000000000000:mfa/x", "arn:aws:iam::000000000000:saml-provider/x",
    "arn:aws:iam::000000000000:oidc-provider/x", "-1", "0", "99999999999", "1e400", "true", "null", "*",
    "[" * 3000 + "]" * 3000, '{"Version":"2012-10-17","Statement":' + "[" * 2000 + "]" * 2000 + "}",
    "a" * 70000, "/" * 600, "${aws:username}", "%00", "<x>&amp;</x>", "\ud800",
])
TEXT = st.one_of(HOSTILE, st.text(max_size=40))


def _values(name: str, shape) -> st.SearchStrategy[dict[str, str]]:
    """Form parameters for the member ``name`` of botocore ``shape`` (lists as ``.member.N``)."""
    if shape.type_name == "list":
        item = shape.member
        one = (st.fixed_dictionaries({f"{field}": TEXT for field in item.members})
               if item.type_name == "structure" else TEXT)
        return st.lists(one, max_size=3).map(lambda items: {
            (f"{name}.member.{index}.{field}" if isinstance(value, dict) else f"{name}.member.{index}"): text
            for index, value in enumerate(items, start=1)
            for field, text in (value.items() if isinstance(value, dict) else [("", value)])})
    if shape.type_name == "structure":
        return st.fixed_dictionaries({f"{name}.{field}": TEXT for field in shape.members})
    if shape.type_name in ("integer", "long"):
        return st.one_of(st.integers(-10, 10 ** 6).map(str), TEXT).map(lambda value: {name: value})
    return TEXT.map(lambda value: {name: value})


@st.composite
def requests(draw) -> tuple[str, dict[str, str]]:
    service, name = draw(st.sampled_from(QUERY_ACTIONS))
    params: dict[str, str] = {}
    for member, shape in MEMBERS[(service, name)].items():
        if draw(st.booleans()):
            params.update(draw(_values(member, shape)))
    if draw(st.integers(0, 9)) == 0:  # now and then an action that does not exist
        name = draw(st.text(max_size=20))
    if draw(st.booleans()):
        params["MaxItems"] = draw(st.one_of(st.integers(-5, 5000).map(str), TEXT))
    if draw(st.booleans()):
        params["Marker"] = draw(TEXT)
    return service, {"Action": name, "Version": IAM if service == "iam" else STS, **params}


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
@given(request=requests())
def test_any_action_with_any_parameters_answers_xml_never_a_5xx(raw, root, request):
    service, params = request
    key = getattr(root, "_fuzz_key", None) or new_key(root)
    root._fuzz_key = key
    response = signed_post(raw, key, {name: value.encode("utf-8", "surrogatepass") for name, value in params.items()},
                           service=service)
    assert response.status_code < 500, (params, response.content[:500])
    ET.fromstring(response.content)  # well-formed XML, success or ErrorResponse


# ---------------------------------------------------------------------------
# Never a 5xx: every AWS Organizations operation (JSON 1.1) with hostile JSON, signed by the
# management account's root user of an organization with an OU, a member account and an SCP

ORG_TARGET = "AWSOrganizationsV20161128."
ORG_ACTIONS = sorted(name for service, name in ACTIONS if service == "organizations")
ORG_MODEL = botocore.session.get_session().get_service_model("organizations")
ORG_IDS = ["r-abcd", "ou-abcd-abcdefgh", "p-FullAWSAccess", "p-abcdefgh", "o-abcdefghij", "h-abcdefghij",
           "car-123456789012", "123456789012", "000000000000"]
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10, 10 ** 12), st.floats(allow_nan=False), TEXT,
              st.sampled_from(ORG_IDS)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=10)


def _org_value(shape):
    if shape.type_name == "string":
        return st.one_of(st.sampled_from(ORG_IDS), TEXT)
    if shape.type_name == "integer":
        return st.one_of(st.integers(-5, 10 ** 6), JSON_VALUE)
    if shape.type_name == "list":
        return st.one_of(st.lists(_org_value(shape.member), max_size=3), JSON_VALUE)
    if shape.type_name == "structure":
        return st.one_of(st.fixed_dictionaries({}, optional={name: _org_value(member) for name, member
                                                              in shape.members.items()}), JSON_VALUE)
    return JSON_VALUE


@st.composite
def org_requests(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(ORG_ACTIONS))
    shape = ORG_MODEL.operation_model(name).input_shape
    body = draw(_org_value(shape)) if shape is not None else {}
    if draw(st.integers(0, 9)) == 0:  # now and then a body that is not an object, or no JSON at all
        return name, draw(st.one_of(JSON_VALUE.map(json.dumps), TEXT))
    return name, json.dumps(body)


@pytest.fixture
def org_world(root, aws_managed_policies):
    """A management account with an OU, a member account and an SCP of its own (the fuzz's
    examples all run in this one test's transaction)."""
    from organizations import services as org_services

    org = org_services.create_organization(root.account)
    org_services.create_ou(org, parent_id=org.root_id, name="Fuzzed")
    org_services.create_account(org, name="Member", email="fuzz-member@example.com")
    org_services.create_policy(org, name="AllowAll", description="", document=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    return root, new_key(root)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
@given(request=org_requests())
def test_any_organizations_operation_with_any_json_answers_json_never_a_5xx(raw, org_world, request):
    name, body = request
    _root, key = org_world
    response = signed_post(raw, key, body.encode("utf-8", "surrogatepass"), service="organizations",
                           content_type="application/x-amz-json-1.1",
                           extra_headers={"X-Amz-Target": ORG_TARGET + name})
    assert response.status_code < 500, (name, body[:300], response.content[:500])
    assert response["Content-Type"] == "application/x-amz-json-1.1"
    json.loads(response.content)
