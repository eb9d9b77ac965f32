"""IAM Access Analyzer over its own API (api/accessanalyzer.py, restJson1): ValidatePolicy and
the custom policy checks with unmodified boto3 against the live server: AWS's shapes, the
access-analyzer:* authorisation, SigV4 as the Query API checks it, AWS's error shapes."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.test import Client, override_settings

from accounts import services
from audit.models import Event

from .conftest import allow, new_key
from .helpers import signed_post

pytestmark = pytest.mark.django_db(transaction=True)

READ = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::receipts/*"}
DELETE = {"Effect": "Allow", "Action": "s3:Delete*", "Resource": "*"}
PUBLIC = {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::receipts/*"}
INVALID = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:NoSuchThing"], "Resource": "*"},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
  ]
}"""


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def error(raised: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = raised.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture
def analyzer(client_for, root_key):
    return client_for(root_key, "accessanalyzer")


def test_validate_policy_findings_as_aws_shapes_them(analyzer):
    answer = analyzer.validate_policy(policyDocument=INVALID, policyType="IDENTITY_POLICY")
    findings = {f["issueCode"]: f for f in answer["findings"]}
    action = findings["INVALID_ACTION"]
    assert action["findingType"] == "ERROR"
    assert "s3:NoSuchThing" in action["findingDetails"]
    assert not action["findingDetails"].startswith("Invalid action:")
    assert action["learnMoreLink"] == (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-"
        "checks.html#access-analyzer-reference-policy-checks-error-invalid-action")
    location = action["locations"][0]
    assert location["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Action"},
                                {"index": 1}]
    start, end = location["span"]["start"], location["span"]["end"]
    assert INVALID[start["offset"]:end["offset"]] == '"s3:NoSuchThing"'
    assert (start["line"], end["line"]) == (4, 4)
    assert start["column"] == INVALID.splitlines()[3].index('"s3:NoSuchThing"') + 1
    pass_role = findings["PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    assert pass_role["findingType"] == "SECURITY_WARNING"
    assert pass_role["locations"][0]["path"] == [{"value": "Statement"}, {"index": 1},
                                                 {"value": "Resource"}]
    clean = analyzer.validate_policy(policyDocument=doc(READ), policyType="IDENTITY_POLICY")
    assert clean["findings"] == []


def test_validate_policy_condition_key_location_is_the_key(analyzer):
    text = doc({**READ, "Condition": {"StringEquals": {"aws:NotARealKey": "x"}}})
    answer = analyzer.validate_policy(policyDocument=text, policyType="IDENTITY_POLICY")
    finding = next(f for f in answer["findings"] if f["issueCode"] == "INVALID_GLOBAL_CONDITION_KEY")
    location = finding["locations"][0]
    assert location["path"][-1] == {"key": "aws:NotARealKey"}
    span = location["span"]
    assert text[span["start"]["offset"]:span["end"]["offset"]] == '"aws:NotARealKey"'


def test_validate_policy_types_and_resource_types(analyzer):
    trust = doc({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                 "Action": "sts:AssumeRole"})
    answer = analyzer.validate_policy(policyDocument=trust, policyType="RESOURCE_POLICY",
                                      validatePolicyResourceType="AWS::IAM::AssumeRolePolicyDocument")
    assert any(f["findingType"] == "ERROR" for f in answer["findings"])
    scp = doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})
    assert analyzer.validate_policy(policyDocument=scp,
                                    policyType="SERVICE_CONTROL_POLICY")["findings"] == []
    syntax = analyzer.validate_policy(policyDocument='{"Version": ', policyType="IDENTITY_POLICY")
    assert syntax["findings"][0]["findingType"] == "ERROR"


def test_validate_policy_pages_with_boto3s_paginator(analyzer):
    statements = [{"Effect": "Allow", "Action": f"s3:NoSuch{n}", "Resource": "*"}
                  for n in range(5)]
    text = doc(*statements)
    everything = analyzer.validate_policy(policyDocument=text, policyType="IDENTITY_POLICY")
    assert "nextToken" not in everything
    pages = list(analyzer.get_paginator("validate_policy").paginate(
        policyDocument=text, policyType="IDENTITY_POLICY", PaginationConfig={"PageSize": 2}))
    assert [len(page["findings"]) for page in pages] == [2, 2, 1]
    assert [f for page in pages for f in page["findings"]] == everything["findings"]


def test_check_no_new_access(analyzer):
    answer = analyzer.check_no_new_access(newPolicyDocument=doc(READ, DELETE),
                                          existingPolicyDocument=doc(READ),
                                          policyType="IDENTITY_POLICY")
    assert answer["result"] == "FAIL"
    assert answer["message"] == ("The modified permissions grant new access compared to your "
                                 "existing policy.")
    assert answer["reasons"] == [{"description": "New access in the statement with index: 1.",
                                  "statementIndex": 1}]
    answer = analyzer.check_no_new_access(newPolicyDocument=doc(READ),
                                          existingPolicyDocument=doc(READ, DELETE),
                                          policyType="IDENTITY_POLICY")
    assert answer["result"] == "PASS" and answer["reasons"] == []
    wider = {**PUBLIC, "Principal": {"AWS": "*"}}
    narrow = {**PUBLIC, "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
    answer = analyzer.check_no_new_access(newPolicyDocument=doc(wider),
                                          existingPolicyDocument=doc(narrow),
                                          policyType="RESOURCE_POLICY")
    assert answer["result"] == "FAIL" and answer["reasons"][0]["statementId"] == "Anyone"


def test_check_access_not_granted(analyzer):
    answer = analyzer.check_access_not_granted(
        policyDocument=doc(READ, DELETE), policyType="IDENTITY_POLICY",
        access=[{"actions": ["s3:DeleteBucket", "iam:PassRole"]}])
    assert answer["result"] == "FAIL" and [r["statementIndex"] for r in answer["reasons"]] == [1]
    answer = analyzer.check_access_not_granted(
        policyDocument=doc(READ), policyType="IDENTITY_POLICY",
        access=[{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::payroll/x"]}])
    assert answer["result"] == "PASS"
    assert answer["message"] == ("The policy document does not grant access to perform one or "
                                 "more of the listed actions or resources.")


def test_check_no_public_access(analyzer):
    answer = analyzer.check_no_public_access(policyDocument=doc(PUBLIC),
                                             resourceType="AWS::S3::Bucket")
    assert answer == {**answer, "result": "FAIL", "reasons": [{
        "description": "Public access granted in the following statement with index: 0.",
        "statementIndex": 0, "statementId": "Anyone"}]}
    org = {**PUBLIC, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}
    assert analyzer.check_no_public_access(policyDocument=doc(org),
                                           resourceType="AWS::S3::Bucket")["result"] == "PASS"


def test_bad_input_is_awss_error(client_for, root_key):
    unchecked = client_for(root_key, "accessanalyzer", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as raised:
        unchecked.check_no_new_access(newPolicyDocument=doc(READ), policyType="IDENTITY_POLICY")
    code, message, status = error(raised)
    assert (code, status) == ("ValidationException", 400)
    assert message == ("1 validation error detected: Value null at 'existingPolicyDocument' "
                       "failed to satisfy constraint: Member must not be null")
    assert raised.value.response["reason"] == "fieldValidationFailed"
    with pytest.raises(ClientError) as raised:
        unchecked.check_no_public_access(policyDocument=doc(PUBLIC), resourceType="AWS::Nope")
    assert error(raised)[0] == "ValidationException"
    assert "Member must satisfy enum value set" in error(raised)[1]
    with pytest.raises(unchecked.exceptions.ValidationException) as raised:
        unchecked.check_no_new_access(newPolicyDocument='{"Statement": 5}',
                                      existingPolicyDocument=doc(READ),
                                      policyType="IDENTITY_POLICY")
    assert "Invalid policy document" in error(raised)[1]
    with pytest.raises(ClientError) as raised:
        unchecked.check_access_not_granted(policyDocument=doc(READ), policyType="IDENTITY_POLICY",
                                           access=[{}])
    assert error(raised)[:2] == ("ValidationException",
                                 "Specify at least one action or resource to check.")
    with pytest.raises(ClientError) as raised:
        unchecked.validate_policy(policyDocument="x" * 65_537, policyType="IDENTITY_POLICY")
    assert error(raised)[0] == "ValidationException"


def test_each_operation_authorises_its_action(user_client, account):
    client = user_client("analyst", allow("access-analyzer:ValidatePolicy"),
                         service="accessanalyzer")
    assert client.validate_policy(policyDocument=doc(READ), policyType="IDENTITY_POLICY")
    calls = [
        ("CheckNoNewAccess", lambda: client.check_no_new_access(
            newPolicyDocument=doc(READ), existingPolicyDocument=doc(READ),
            policyType="IDENTITY_POLICY")),
        ("CheckAccessNotGranted", lambda: client.check_access_not_granted(
            policyDocument=doc(READ), policyType="IDENTITY_POLICY",
            access=[{"actions": ["s3:GetObject"]}])),
        ("CheckNoPublicAccess", lambda: client.check_no_public_access(
            policyDocument=doc(PUBLIC), resourceType="AWS::S3::Bucket")),
    ]
    for name, call in calls:
        with pytest.raises(client.exceptions.AccessDeniedException) as raised:
            call()
        code, message, status = error(raised)
        assert status == 403
        assert message == (f"User: arn:aws:iam::{account.account_id}:user/analyst is not "
                           f"authorized to perform: access-analyzer:{name} on resource: * "
                           f"because no identity-based policy allows the "
                           f"access-analyzer:{name} action")
        event = Event.objects.filter(event_name=name).latest("pk")
        assert event.error_code == "AccessDeniedException"
        assert event.event_source == "access-analyzer.amazonaws.com"
        assert "HIDDEN_DUE_TO_SECURITY_REASONS" in json.dumps(event.request_parameters)
    denied = user_client("nobody", allow("iam:GetUser"), service="accessanalyzer")
    with pytest.raises(denied.exceptions.AccessDeniedException):
        denied.validate_policy(policyDocument=doc(READ), policyType="IDENTITY_POLICY")


def test_signature_is_checked(client_for, root_key, api_url):
    wrong = client_for((root_key[0], "x" * 40), "accessanalyzer")
    with pytest.raises(ClientError) as raised:
        wrong.validate_policy(policyDocument=doc(READ), policyType="IDENTITY_POLICY")
    assert error(raised)[0] == "InvalidSignatureException" and error(raised)[2] == 403
    unknown = client_for(("AKIAIOSFODNN7EXAMPLE", "x" * 40), "accessanalyzer")
    with pytest.raises(ClientError) as raised:
        unknown.validate_policy(policyDocument=doc(READ), policyType="IDENTITY_POLICY")
    assert error(raised)[0] == "UnrecognizedClientException"
    import urllib.request
    request = urllib.request.Request(f"{api_url}/policy/validation", method="POST",
                                     data=json.dumps({"policyDocument": doc(READ),
                                                      "policyType": "IDENTITY_POLICY"}).encode())
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 403
    assert raised.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    raised.value.close()


def test_a_key_signed_for_iam_is_refused(client_for, root_key, api_url):
    """The same request signed for the wrong service."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    import urllib.request

    body = json.dumps({"policyDocument": doc(READ), "policyType": "IDENTITY_POLICY"})
    request = AWSRequest(method="POST", url=f"{api_url}/policy/validation", data=body,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(*root_key), "iam", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, data=body.encode(), method="POST",
                                      headers=dict(request.headers))
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(prepared, timeout=30)
    assert raised.value.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert "'access-analyzer'" in json.loads(raised.value.read())["message"]
    raised.value.close()


def test_aws_cli(aws, root_key):
    answer = aws(root_key, "accessanalyzer", "check-no-new-access",
                 "--new-policy-document", doc(READ, DELETE),
                 "--existing-policy-document", doc(READ), "--policy-type", "IDENTITY_POLICY")
    assert answer["result"] == "FAIL" and answer["reasons"][0]["statementIndex"] == 1
    answer = aws(root_key, "accessanalyzer", "validate-policy", "--policy-document", INVALID,
                 "--policy-type", "IDENTITY_POLICY")
    assert {f["issueCode"] for f in answer["findings"]} >= {"INVALID_ACTION"}


@override_settings(IAMPORTAL_API_KEY_FAILURES=2)
def test_failed_authentications_are_throttled_as_for_iam(client_for, root_key):
    wrong = client_for((root_key[0], "x" * 40), "accessanalyzer")
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            wrong.check_no_public_access(policyDocument=doc(PUBLIC), resourceType="AWS::S3::Bucket")
        assert error(raised)[0] == "InvalidSignatureException"
    right = client_for(root_key, "accessanalyzer")
    with pytest.raises(ClientError) as raised:
        right.check_no_public_access(policyDocument=doc(PUBLIC), resourceType="AWS::S3::Bucket")
    assert error(raised) == ("ThrottlingException", "Rate exceeded", 429)


def test_a_refusal_with_members_no_model_has_is_recorded_not_a_500(account):
    """Members the operation's model lacks (a lone surrogate, JSON nested 450 deep) are neither
    read nor recorded: the refusal is AWS's 403 and the trail keeps it."""
    prober = services.create_user(account, user_name="prober")
    key = new_key(prober)
    document = json.dumps(doc(READ))
    for extra in ('"\\ud800"', "[" * 450 + "]" * 450):
        body = ('{"policyDocument": ' + document + ', "policyType": "IDENTITY_POLICY", '
                '"x": ' + extra + "}")
        response = signed_post(Client(), key, body, service="access-analyzer",
                               content_type="application/json", path="/policy/validation")
        assert response.status_code == 403, response.content[:300]
        assert response.headers["x-amzn-ErrorType"].startswith("AccessDeniedException")
    events = Event.objects.filter(event_name="ValidatePolicy", error_code="AccessDeniedException")
    assert events.count() == 2
    for event in events:
        assert set(event.request_parameters) == {"policyDocument", "policyType"}


def test_a_check_too_complex_to_decide_is_a_validation_exception(analyzer):
    """Long wildcard patterns would cost the glob algebra minutes (the work grows with the
    product of the documents' sizes): past the check's work limit the answer is a 400."""
    existing = {"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::" + "*a" * 15000}
    new = {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::" + "a" * 30000 + "b"}
    with pytest.raises(ClientError) as raised:
        analyzer.check_no_new_access(newPolicyDocument=doc(new), existingPolicyDocument=doc(existing),
                                     policyType="IDENTITY_POLICY")
    code, message, status = error(raised)
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("The policies are too complex to check")
