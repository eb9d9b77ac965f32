"""OIDC and SAML identity providers over the Query API: unmodified boto3 against the live
server, for every action: the happy path, AWS's errors, tag listing pages, and authorisation
(allowed, denied by an identity policy, by a boundary, by an explicit deny on a tag)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from accounts import services
from accounts.models import OpenIDConnectProvider, SAMLProvider
from tests.accounts.pem import saml_metadata

from .conftest import allow
from .helpers import aws_error

pytestmark = pytest.mark.django_db(transaction=True)

THUMB = "990f4193972f2becf12ddeda5237f9c952f20d9e"


def error(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return aws_error(caught.value)


def denial(user: str, action: str, resource: str) -> str:
    return f"is not authorized to perform: iam:{action} on resource: {resource}"


# ---------------------------------------------------------------------------
# OpenID Connect providers


def test_oidc_provider_lifecycle(iam, account):
    made = iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                               ClientIDList=["sts.amazonaws.com"], ThumbprintList=[THUMB.upper()],
                                               Tags=[{"Key": "team", "Value": "ci"}])
    arn = f"arn:aws:iam::{account.account_id}:oidc-provider/token.actions.githubusercontent.com"
    assert made["OpenIDConnectProviderArn"] == arn
    assert made["Tags"] == [{"Key": "team", "Value": "ci"}]
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert (got["Url"], got["ClientIDList"], got["ThumbprintList"]) == (
        "token.actions.githubusercontent.com", ["sts.amazonaws.com"], [THUMB])
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == [{"Arn": arn}]

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=["b" * 40])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert (got["ClientIDList"], got["ThumbprintList"]) == (["app"], ["b" * 40])

    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": f"k{n}", "Value": "v"}
                                                                          for n in range(3)])
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["team"])
    first = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn, MaxItems=2)
    assert [tag["Key"] for tag in first["Tags"]] == ["k0", "k1"] and first["IsTruncated"]
    rest = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn, Marker=first["Marker"])
    assert [tag["Key"] for tag in rest["Tags"]] == ["k2"] and not rest["IsTruncated"]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)  # deleting a missing one succeeds
    assert error(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn) == (
        "NoSuchEntity", f"OpenIDConnect Provider not found for arn {arn}", 404)


def test_oidc_errors_in_awss_words(iam, unchecked_iam, account):
    assert error(iam.create_open_id_connect_provider, Url="http://example.com") == (
        "InvalidInput", "Invalid Open ID Connect Provider URL. The URL must begin with https://.", 400)
    assert error(iam.create_open_id_connect_provider, Url="example.com") == (
        "ValidationError", "Invalid Open ID Connect Provider URL", 400)
    assert error(iam.create_open_id_connect_provider, Url="https://example.com",
                 ThumbprintList=[str(n) * 40 for n in range(6)]) == (
        "InvalidInput", "Thumbprint list must contain fewer than 5 entries.", 400)
    code, message, status = error(iam.create_open_id_connect_provider, Url="https://example.com",
                                  ClientIDList=[f"c{n}" for n in range(101)])
    assert (code, message, status) == ("LimitExceeded",
                                       "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100", 409)
    iam.create_open_id_connect_provider(Url="https://example.com")
    assert error(iam.create_open_id_connect_provider, Url="https://example.com") == (
        "EntityAlreadyExists", "Provider with url https://example.com already exists.", 409)
    arn = f"arn:aws:iam::{account.account_id}:oidc-provider/example.com"
    code, message, status = error(unchecked_iam.update_open_id_connect_provider_thumbprint,
                                  OpenIDConnectProviderArn=arn, ThumbprintList=["short"])
    assert (code, status) == ("ValidationError", 400) and "thumbprintList.1.member" in message
    assert OpenIDConnectProvider.objects.get().thumbprints == []


def test_another_accounts_oidc_provider_is_not_found(iam, mallory):
    from accounts import federation

    theirs = federation.create_open_id_connect_provider(mallory.account, url="https://example.com")
    for call in (iam.get_open_id_connect_provider, iam.list_open_id_connect_provider_tags):
        assert error(call, OpenIDConnectProviderArn=theirs.arn) == (
            "NoSuchEntity", f"OpenIDConnect Provider not found for arn {theirs.arn}", 404)
    assert error(iam.add_client_id_to_open_id_connect_provider, OpenIDConnectProviderArn=theirs.arn,
                 ClientID="x")[0] == "NoSuchEntity"
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=theirs.arn)
    assert OpenIDConnectProvider.objects.filter(pk=theirs.pk).exists()
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_oidc_authorisation_by_identity_policy_tags_and_boundary(iam, user_client, account, customer_policy):
    made = iam.create_open_id_connect_provider(Url="https://ci.example.com", Tags=[{"Key": "team", "Value": "ci"}])
    arn = made["OpenIDConnectProviderArn"]
    reader = user_client("reader", allow(["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviders"]))
    assert reader.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Url"] == "ci.example.com"
    assert len(reader.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1
    code, message, status = error(reader.delete_open_id_connect_provider, OpenIDConnectProviderArn=arn)
    assert (code, status) == ("AccessDenied", 403)
    assert denial("reader", "DeleteOpenIDConnectProvider", arn) in message
    # A denied caller learns nothing of whether a provider exists.
    missing = arn.replace("ci.example.com", "nowhere.example.com")
    assert error(reader.add_client_id_to_open_id_connect_provider, OpenIDConnectProviderArn=missing,
                 ClientID="x")[0] == "AccessDenied"

    # An explicit deny on the provider's tag wins over an allow.
    tagged = user_client("tagged", allow("iam:*OpenIDConnectProvider*"),
                         allow("iam:*", effect="Deny", condition={"StringEquals": {"aws:ResourceTag/team": "ci"}}))
    assert error(tagged.get_open_id_connect_provider, OpenIDConnectProviderArn=arn)[0] == "AccessDenied"
    # Creating with tags needs iam:TagOpenIDConnectProvider too, with the request's tags.
    creator = user_client("creator", allow("iam:CreateOpenIDConnectProvider"))
    code, message, status = error(creator.create_open_id_connect_provider, Url="https://new.example.com",
                                  Tags=[{"Key": "team", "Value": "x"}])
    assert denial("creator", "TagOpenIDConnectProvider",
                  f"arn:aws:iam::{account.account_id}:oidc-provider/new.example.com") in message
    creator.create_open_id_connect_provider(Url="https://new.example.com")
    # A boundary that leaves the action out denies it.
    bounded = user_client("bounded", allow("iam:*"),
                          boundary=customer_policy("OnlyList", allow("iam:ListOpenIDConnectProviders")))
    bounded.list_open_id_connect_providers()
    assert error(bounded.get_open_id_connect_provider, OpenIDConnectProviderArn=arn)[0] == "AccessDenied"
    assert OpenIDConnectProvider.objects.count() == 2


# ---------------------------------------------------------------------------
# SAML providers


def test_saml_provider_lifecycle(iam, account):
    document = saml_metadata(valid_until="2030-01-01T00:00:00Z")
    made = iam.create_saml_provider(Name="Okta", SAMLMetadataDocument=document,
                                    Tags=[{"Key": "team", "Value": "it"}])
    arn = f"arn:aws:iam::{account.account_id}:saml-provider/Okta"
    assert made["SAMLProviderArn"] == arn and made["Tags"] == [{"Key": "team", "Value": "it"}]
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == document
    assert got["ValidUntil"].isoformat().startswith("2030-01-01T00:00:00")
    listed = iam.list_saml_providers()["SAMLProviderList"]
    assert [entry["Arn"] for entry in listed] == [arn] and "CreateDate" in listed[0]

    newer = saml_metadata("https://other.example.com/saml")
    assert iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=newer)["SAMLProviderArn"] == arn
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == newer
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["team"])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert error(iam.delete_saml_provider, SAMLProviderArn=arn) == (
        "NoSuchEntity", f"Manifest not found for arn {arn}", 404)


def test_saml_errors_in_awss_words(iam, unchecked_iam, account, mallory):
    assert error(iam.create_saml_provider, Name="Okta", SAMLMetadataDocument="<a>" + "x" * 1000 + "</a>") == (
        "InvalidInput", "Could not parse metadata", 400)
    bomb = saml_metadata(prologue='<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n')
    bomb = bomb.replace('entityID="', 'entityID="&b;')
    assert error(iam.create_saml_provider, Name="Okta", SAMLMetadataDocument=bomb)[:2] == (
        "InvalidInput", "Could not parse metadata")
    assert error(unchecked_iam.create_saml_provider, Name="Okta", SAMLMetadataDocument="<md/>") == (
        "ValidationError", "1 validation error detected: Value at 'sAMLMetadataDocument' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1000", 400)
    code, message, status = error(iam.create_saml_provider, Name="bad name", SAMLMetadataDocument=saml_metadata())
    assert (code, status) == ("ValidationError", 400) and "at 'name'" in message
    iam.create_saml_provider(Name="Okta", SAMLMetadataDocument=saml_metadata())
    assert error(iam.create_saml_provider, Name="okta", SAMLMetadataDocument=saml_metadata()) == (
        "EntityAlreadyExists", "SAMLProvider with name okta already exists.", 409)
    from accounts import federation

    theirs = federation.create_saml_provider(mallory.account, name="Theirs", metadata_document=saml_metadata())
    assert error(iam.get_saml_provider, SAMLProviderArn=theirs.arn) == (
        "NoSuchEntity", f"Manifest not found for arn {theirs.arn}", 404)
    assert SAMLProvider.objects.filter(account=account).count() == 1


def test_saml_authorisation(iam, user_client, account):
    arn = iam.create_saml_provider(Name="Okta", SAMLMetadataDocument=saml_metadata(),
                                   Tags=[{"Key": "owner", "Value": "it"}])["SAMLProviderArn"]
    reader = user_client("reader", allow("iam:GetSAMLProvider", condition={
        "StringEquals": {"aws:ResourceTag/owner": "it"}}), allow("iam:ListSAMLProviders"))
    reader.get_saml_provider(SAMLProviderArn=arn)
    reader.list_saml_providers()
    code, message, status = error(reader.update_saml_provider, SAMLProviderArn=arn,
                                  SAMLMetadataDocument=saml_metadata("https://evil.example.com/saml"))
    assert (code, status) == ("AccessDenied", 403) and denial("reader", "UpdateSAMLProvider", arn) in message
    assert error(reader.create_saml_provider, Name="New", SAMLMetadataDocument=saml_metadata())[0] == "AccessDenied"
    assert services.get_user(account, "reader")
    assert SAMLProvider.objects.get().metadata_document == saml_metadata()
