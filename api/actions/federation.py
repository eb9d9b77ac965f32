"""Identity providers over the Query API, over :mod:`accounts.federation`:

- OIDC: CreateOpenIDConnectProvider, GetOpenIDConnectProvider, ListOpenIDConnectProviders,
  DeleteOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint,
  AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider,
  TagOpenIDConnectProvider, UntagOpenIDConnectProvider, ListOpenIDConnectProviderTags;
- SAML: CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders, UpdateSAMLProvider,
  DeleteSAMLProvider, TagSAMLProvider, UntagSAMLProvider, ListSAMLProviderTags.

As :mod:`api.actions.users`: syntax first, then the IAM action on the provider's ARN with its
tags (``aws:ResourceTag``) and the request's (``aws:RequestTag``, ``aws:TagKeys``). A provider
is named by its ARN, so the action is authorised on the ARN the caller gave before the
caller learns whether it exists (a denied caller gets AccessDenied either way).
Encryption of SAML assertions (``AssertionEncryptionMode``, ``AddPrivateKey``,
``RemovePrivateKey``) and trusted identity propagation are not modelled (docs/differences.md).
"""

from __future__ import annotations

from typing import Any

from accounts import dependents, federation, tags, validators
from accounts.models import OpenIDConnectProvider, SAMLProvider
from iamportal.errors import NoSuchEntity

from .. import shapes
from ..protocol import page
from ..registry import Call, action
from .roles import tag_keys_param, tags_param

OIDC_ARN, SAML_ARN = "OpenIDConnectProviderArn", "SAMLProviderArn"


def _provider_arn(call: Call, member: str) -> str:
    call.params.require(member)
    return call.params.get(member)


def oidc_provider(call: Call, action_name: str, context: dict[str, Any] | None = None) -> OpenIDConnectProvider:
    """The OIDC provider ``OpenIDConnectProviderArn`` names, once ``action_name`` is allowed on
    that ARN (with the provider's tags and ``context``); IAM's ``NoSuchEntity`` after."""
    arn = _provider_arn(call, OIDC_ARN)
    provider = federation.find_open_id_connect_provider(call.account, arn)
    call.authorize(action_name, arn, {**(dependents.on(provider) if provider else {}), **(context or {})})
    if provider is None:
        raise NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}")
    return provider


def saml_provider(call: Call, action_name: str, context: dict[str, Any] | None = None) -> SAMLProvider:
    """The SAML provider ``SAMLProviderArn`` names (its name in any case), as
    :func:`oidc_provider`."""
    arn = _provider_arn(call, SAML_ARN)
    provider = federation.find_saml_provider(call.account, arn)
    # On the provider's own ARN: the lookup ignores the name's case, a policy's ARN does not.
    call.authorize(action_name, provider.arn if provider else arn,
                   {**(dependents.on(provider) if provider else {}), **(context or {})})
    if provider is None:
        raise NoSuchEntity(f"Manifest not found for arn {arn}")
    return provider


def tags_page(call: Call, entity: Any) -> dict[str, Any]:
    rows, paging = page(call.params, shapes.tags(entity))
    return {"Tags": rows, **paging}


# ---------------------------------------------------------------------------
# OpenID Connect providers


@action("iam", "CreateOpenIDConnectProvider")
def create_open_id_connect_provider(call: Call) -> dict:
    params = call.params
    params.require("Url")
    url = params.get("Url")
    client_ids, thumbprints, requested_tags = params.list("ClientIDList"), params.list("ThumbprintList"), params.tags()
    federation.check_url(url)
    federation.check_client_ids(client_ids)
    federation.check_thumbprints(thumbprints)
    validators.validate_tags(requested_tags)
    call.authorize_all(tags.create_calls("OpenIDConnectProvider", federation.oidc_provider_arn(call.account, url),
                                         requested_tags))
    provider = federation.create_open_id_connect_provider(call.account, url=url, client_ids=client_ids,
                                                          thumbprints=thumbprints, tags=requested_tags)
    return {"OpenIDConnectProviderArn": provider.arn, "Tags": shapes.tags(provider) or None}


@action("iam", "GetOpenIDConnectProvider")
def get_open_id_connect_provider(call: Call) -> dict:
    provider = oidc_provider(call, "iam:GetOpenIDConnectProvider")
    return {"Url": provider.url, "ClientIDList": provider.client_ids, "ThumbprintList": provider.thumbprints,
            "CreateDate": provider.created, "Tags": shapes.tags(provider) or None}


@action("iam", "ListOpenIDConnectProviders")
def list_open_id_connect_providers(call: Call) -> dict:
    call.authorize("iam:ListOpenIDConnectProviders", "*")
    return {"OpenIDConnectProviderList": [{"Arn": provider.arn}
                                          for provider in federation.list_open_id_connect_providers(call.account)]}


@action("iam", "DeleteOpenIDConnectProvider")
def delete_open_id_connect_provider(call: Call) -> None:
    arn = _provider_arn(call, OIDC_ARN)
    provider = federation.find_open_id_connect_provider(call.account, arn)
    call.authorize("iam:DeleteOpenIDConnectProvider", arn, dependents.on(provider) if provider else {})
    federation.delete_open_id_connect_provider(call.account, arn)


@action("iam", "UpdateOpenIDConnectProviderThumbprint")
def update_open_id_connect_provider_thumbprint(call: Call) -> None:
    call.params.require(OIDC_ARN)
    thumbprints = call.params.list("ThumbprintList")
    if not thumbprints:  # botocore sends ``ThumbprintList=`` for an empty list
        call.params.require("ThumbprintList")
    federation.check_thumbprints(thumbprints)
    provider = oidc_provider(call, "iam:UpdateOpenIDConnectProviderThumbprint")
    federation.update_open_id_connect_provider_thumbprint(provider, thumbprints=thumbprints)


@action("iam", "AddClientIDToOpenIDConnectProvider")
def add_client_id_to_open_id_connect_provider(call: Call) -> None:
    call.params.require(OIDC_ARN, "ClientID")
    client_id = call.params.get("ClientID")
    federation.check_client_id(client_id)
    provider = oidc_provider(call, "iam:AddClientIDToOpenIDConnectProvider")
    federation.add_client_id_to_open_id_connect_provider(provider, client_id=client_id)


@action("iam", "RemoveClientIDFromOpenIDConnectProvider")
def remove_client_id_from_open_id_connect_provider(call: Call) -> None:
    call.params.require(OIDC_ARN, "ClientID")
    client_id = call.params.get("ClientID")
    federation.check_client_id(client_id)
    provider = oidc_provider(call, "iam:RemoveClientIDFromOpenIDConnectProvider")
    federation.remove_client_id_from_open_id_connect_provider(provider, client_id=client_id)


@action("iam", "TagOpenIDConnectProvider")
def tag_open_id_connect_provider(call: Call) -> None:
    requested = tags_param(call)
    provider = oidc_provider(call, "iam:TagOpenIDConnectProvider", tags.tag_context(requested))
    federation.tag_open_id_connect_provider(provider, requested)


@action("iam", "UntagOpenIDConnectProvider")
def untag_open_id_connect_provider(call: Call) -> None:
    keys = tag_keys_param(call)
    provider = oidc_provider(call, "iam:UntagOpenIDConnectProvider", tags.untag_context(keys))
    federation.untag_open_id_connect_provider(provider, keys)


@action("iam", "ListOpenIDConnectProviderTags")
def list_open_id_connect_provider_tags(call: Call) -> dict:
    return tags_page(call, oidc_provider(call, "iam:ListOpenIDConnectProviderTags"))


# ---------------------------------------------------------------------------
# SAML providers


def _metadata_param(call: Call) -> str:
    call.params.require("SAMLMetadataDocument")
    return call.params.get("SAMLMetadataDocument")


@action("iam", "CreateSAMLProvider")
def create_saml_provider(call: Call) -> dict:
    call.params.require("SAMLMetadataDocument", "Name")
    name, document, requested_tags = call.params.get("Name"), _metadata_param(call), call.params.tags()
    federation.check_saml_name(name)
    validators.validate_tags(requested_tags)
    call.authorize_all(tags.create_calls("SAMLProvider", call.account.arn(f"saml-provider/{name}"),
                                         requested_tags))
    provider = federation.create_saml_provider(call.account, name=name, metadata_document=document,
                                               tags=requested_tags)
    return {"SAMLProviderArn": provider.arn, "Tags": shapes.tags(provider) or None}


@action("iam", "GetSAMLProvider")
def get_saml_provider(call: Call) -> dict:
    provider = saml_provider(call, "iam:GetSAMLProvider")
    return {"SAMLMetadataDocument": provider.metadata_document, "CreateDate": provider.created,
            "ValidUntil": provider.valid_until, "Tags": shapes.tags(provider) or None}


@action("iam", "ListSAMLProviders")
def list_saml_providers(call: Call) -> dict:
    call.authorize("iam:ListSAMLProviders", "*")
    return {"SAMLProviderList": [{"Arn": provider.arn, "ValidUntil": provider.valid_until,
                                  "CreateDate": provider.created}
                                 for provider in federation.list_saml_providers(call.account)]}


@action("iam", "UpdateSAMLProvider")
def update_saml_provider(call: Call) -> dict:
    call.params.require(SAML_ARN)
    document = _metadata_param(call)
    provider = saml_provider(call, "iam:UpdateSAMLProvider")
    federation.update_saml_provider(provider, metadata_document=document)
    return {"SAMLProviderArn": provider.arn}


@action("iam", "DeleteSAMLProvider")
def delete_saml_provider(call: Call) -> None:
    federation.delete_saml_provider(saml_provider(call, "iam:DeleteSAMLProvider"))


@action("iam", "TagSAMLProvider")
def tag_saml_provider(call: Call) -> None:
    requested = tags_param(call)
    provider = saml_provider(call, "iam:TagSAMLProvider", tags.tag_context(requested))
    federation.tag_saml_provider(provider, requested)


@action("iam", "UntagSAMLProvider")
def untag_saml_provider(call: Call) -> None:
    keys = tag_keys_param(call)
    provider = saml_provider(call, "iam:UntagSAMLProvider", tags.untag_context(keys))
    federation.untag_saml_provider(provider, keys)


@action("iam", "ListSAMLProviderTags")
def list_saml_provider_tags(call: Call) -> dict:
    return tags_page(call, saml_provider(call, "iam:ListSAMLProviderTags"))
