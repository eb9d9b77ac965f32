"""Identity providers: OpenID Connect and SAML 2.0 providers, stored and managed as IAM's API
does (federation sign-in itself is out of scope). One function per IAM action, named after
it; the console and the Query API both call them, after authorising the action.

- **OIDC**: the URL must begin ``https://`` and carry no port, query, fragment or user; it is
  kept (and returned) without the scheme, and names the provider in its ARN
  (``arn:aws:iam::<account>:oidc-provider/<host/path>``). At most 100 client ids of 1-255
  characters and 5 thumbprints of exactly 40 characters (IAM checks their length, not their
  alphabet: its own documentation's example is ``…EXAMPLE``); thumbprints are kept in lower case.
- **SAML**: the metadata document (1,000 to 10,000,000 characters, IAM's model) must be SAML
  2.0 metadata XML. It is parsed by expat with no DTD allowed, so no entity can be declared,
  let alone expanded (no "billion laughs"), and nothing external is ever fetched.

Objects of another account do not exist here: an ARN naming one is ``NoSuchEntity``.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from iamportal.errors import EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity, ValidationError

from . import quotas, validators
from . import tags as tagging
from .models import Account, OpenIDConnectProvider, SAMLProvider
from .services import lock_account_quota, refuse_taken_name, save_new

ARN_MIN, ARN_MAX = 20, 2048
URL_MAX = 255
CLIENT_ID_MAX = 255
THUMBPRINT_LENGTH = 40
SAML_NAME_MAX = 128
SAML_NAME_PATTERN = r"[\w._-]+"
SAML_METADATA_MIN, SAML_METADATA_MAX = 1000, 10_000_000
#: How many years a SAML provider is valid when its metadata names no ``validUntil``.
SAML_DEFAULT_YEARS = 100
SAML_METADATA_NS = "urn:oasis:names:tc:SAML:2.0:metadata"

_SAML_NAME_RE = re.compile(r"[A-Za-z0-9_.-]+", re.ASCII)
_HOST_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)
_IPV4_RE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}", re.ASCII)
_PRINTABLE_RE = re.compile(r"[\x21-\x7e]+")

INVALID_URL = "Invalid Open ID Connect Provider URL"
#: What a client id or thumbprint may not hold (PostgreSQL's JSON cannot store NUL).
NUL_MESSAGE = "{what} may not contain a NUL character."
BAD_METADATA = "Could not parse metadata"


def check_arn(arn: str, member: str) -> None:
    """An ARN parameter's length, as IAM's model states it (20 to 2048 characters)."""
    validators.check_text(arn, member, ARN_MIN, ARN_MAX)


def _named(account: Account, arn: str, kind: str) -> str | None:
    """What follows ``arn:aws:iam::<account>:<kind>/`` in ``arn``, or None when ``arn`` names
    something else (another account's provider included, and anything with a character no
    provider's ARN has, which is never sent to the database)."""
    prefix = account.arn(f"{kind}/")
    named = arn[len(prefix):] if arn.startswith(prefix) else ""
    return named if named and _PRINTABLE_RE.fullmatch(named) else None


def _tagged(entity, requested: Iterable[tuple[str, str]]):
    entity.tags = validators.validate_tags(requested)
    return entity


# ---------------------------------------------------------------------------
# OpenID Connect providers


def _host_ok(host: str) -> bool:
    if _IPV4_RE.fullmatch(host):
        return all(int(part) < 256 for part in host.split("."))
    return len(host) <= 253 and all(_HOST_LABEL_RE.fullmatch(label) for label in host.split("."))


def check_url(url: str) -> str:
    """``url`` as IAM keeps it (without ``https://``), or IAM's error for an unusable one."""
    validators.check_text(url, "url", 1, URL_MAX)
    if "://" not in url:
        raise ValidationError(INVALID_URL)
    if not url.startswith("https://"):
        raise InvalidInput(f"{INVALID_URL}. The URL must begin with https://.")
    if not _PRINTABLE_RE.fullmatch(url):
        raise InvalidInput(f"{INVALID_URL}.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"{INVALID_URL}.") from None
    if not parts.hostname:
        raise ValidationError(INVALID_URL)
    if (parts.username is not None or port is not None or parts.query or parts.fragment
            or "?" in url or "#" in url or not _host_ok(parts.hostname)):
        raise InvalidInput(f"{INVALID_URL}.")
    return url[len("https://"):]


def check_client_id(client_id: str, member: str = "clientID") -> None:
    """A client id (audience): 1-255 characters, no NUL."""
    validators.check_text(client_id, member, 1, CLIENT_ID_MAX)
    if "\x00" in client_id:
        raise InvalidInput(NUL_MESSAGE.format(what="A client ID"))


def check_client_ids(client_ids: Iterable[str]) -> list[str]:
    """The client ids, each checked and kept once, in the order given; at most 100."""
    client_ids = list(client_ids)
    for index, client_id in enumerate(client_ids, start=1):
        check_client_id(client_id, f"clientIDList.{index}.member")
    unique = list(dict.fromkeys(client_ids))
    if len(unique) > quotas.CLIENT_IDS_PER_OIDC_PROVIDER:
        raise _too_many_client_ids()
    return unique


def _too_many_client_ids() -> LimitExceeded:
    return LimitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: "
                         f"{quotas.CLIENT_IDS_PER_OIDC_PROVIDER}")


def check_thumbprints(thumbprints: Iterable[str]) -> list[str]:
    """The thumbprints in lower case: at most 5, each exactly 40 characters."""
    thumbprints = list(thumbprints)
    for index, thumbprint in enumerate(thumbprints, start=1):
        validators.check_text(thumbprint, f"thumbprintList.{index}.member", THUMBPRINT_LENGTH, THUMBPRINT_LENGTH)
        if "\x00" in thumbprint:
            raise InvalidInput(NUL_MESSAGE.format(what="A thumbprint"))
    if len(thumbprints) > quotas.THUMBPRINTS_PER_OIDC_PROVIDER:
        raise InvalidInput(f"Thumbprint list must contain fewer than {quotas.THUMBPRINTS_PER_OIDC_PROVIDER} "
                           "entries.")
    return [thumbprint.lower() for thumbprint in thumbprints]


def oidc_provider_arn(account: Account, url: str) -> str:
    """The ARN a provider of ``url`` (as given, with ``https://``) has or would have."""
    return account.arn(f"oidc-provider/{url.removeprefix('https://')}")


@transaction.atomic
def create_open_id_connect_provider(account: Account, *, url: str, client_ids: Iterable[str] = (),
                                    thumbprints: Iterable[str] = (),
                                    tags: Iterable[tuple[str, str]] = ()) -> OpenIDConnectProvider:
    """CreateOpenIDConnectProvider (with its tags)."""
    kept_url = check_url(url)
    provider = _tagged(OpenIDConnectProvider(account=account, url=kept_url, client_ids=check_client_ids(client_ids),
                                             thumbprints=check_thumbprints(thumbprints)), tags)
    taken = f"Provider with url {url} already exists."
    if OpenIDConnectProvider.objects.filter(account=account, url=kept_url).exists():
        raise EntityAlreadyExists(taken)
    lock_account_quota(account, OpenIDConnectProvider.objects.filter(account=account),
                       "OpenIdConnectProvidersPerAccount", quotas.OIDC_PROVIDERS_PER_ACCOUNT)
    save_new(provider, taken)
    return provider


def find_open_id_connect_provider(account: Account, arn: str) -> OpenIDConnectProvider | None:
    """The provider ``arn`` names in ``account``, or None."""
    check_arn(arn, "openIDConnectProviderArn")
    url = _named(account, arn, "oidc-provider")
    return None if url is None else OpenIDConnectProvider.objects.filter(account=account, url=url).first()


def get_open_id_connect_provider(account: Account, arn: str) -> OpenIDConnectProvider:
    """GetOpenIDConnectProvider: the provider, or ``NoSuchEntity`` in IAM's words."""
    provider = find_open_id_connect_provider(account, arn)
    if provider is None:
        raise NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}")
    return provider


def list_open_id_connect_providers(account: Account) -> QuerySet[OpenIDConnectProvider]:
    """ListOpenIDConnectProviders (IAM's result is not paged)."""
    return OpenIDConnectProvider.objects.filter(account=account).select_related("account").order_by("url")


def delete_open_id_connect_provider(account: Account, arn: str) -> None:
    """DeleteOpenIDConnectProvider. Deleting one that does not exist succeeds, as on AWS;
    roles that trust the provider are left as they are."""
    provider = find_open_id_connect_provider(account, arn)
    if provider is not None:
        provider.delete()


@transaction.atomic
def update_open_id_connect_provider_thumbprint(provider: OpenIDConnectProvider, *,
                                               thumbprints: Iterable[str]) -> None:
    """UpdateOpenIDConnectProviderThumbprint: the list replaces the provider's."""
    provider.thumbprints = check_thumbprints(thumbprints)
    provider.save(update_fields=["thumbprints"])


def _locked(provider: OpenIDConnectProvider) -> OpenIDConnectProvider:
    """The provider's row, locked, so concurrent changes of its client ids do not lose one."""
    return OpenIDConnectProvider.objects.select_for_update().get(pk=provider.pk)


@transaction.atomic
def add_client_id_to_open_id_connect_provider(provider: OpenIDConnectProvider, *, client_id: str) -> None:
    """AddClientIDToOpenIDConnectProvider: idempotent; at most 100 client ids."""
    check_client_id(client_id)
    row = _locked(provider)
    if client_id in row.client_ids:
        return
    if len(row.client_ids) >= quotas.CLIENT_IDS_PER_OIDC_PROVIDER:
        raise _too_many_client_ids()
    row.client_ids.append(client_id)
    row.save(update_fields=["client_ids"])
    provider.client_ids = row.client_ids


@transaction.atomic
def remove_client_id_from_open_id_connect_provider(provider: OpenIDConnectProvider, *, client_id: str) -> None:
    """RemoveClientIDFromOpenIDConnectProvider: idempotent (an absent id is no error)."""
    check_client_id(client_id)
    row = _locked(provider)
    if client_id in row.client_ids:
        row.client_ids = [kept for kept in row.client_ids if kept != client_id]
        row.save(update_fields=["client_ids"])
    provider.client_ids = row.client_ids


def tag_open_id_connect_provider(provider: OpenIDConnectProvider, requested: Iterable[tuple[str, str]]) -> None:
    """TagOpenIDConnectProvider: adds the tags, replacing the value of a key it has."""
    tagging.tag(provider, requested)


def untag_open_id_connect_provider(provider: OpenIDConnectProvider, keys: Iterable[str]) -> None:
    """UntagOpenIDConnectProvider: removes the keys it has (others are ignored)."""
    tagging.untag(provider, keys)


def list_open_id_connect_provider_tags(provider: OpenIDConnectProvider) -> list[dict[str, str]]:
    """ListOpenIDConnectProviderTags."""
    return provider.tag_list


# ---------------------------------------------------------------------------
# SAML providers


class _Refused(Exception):
    """The metadata declares a DTD (and so could declare entities): refused unread."""


def _refuse(*args: object) -> None:
    raise _Refused


def read_saml_metadata(document: str) -> datetime:
    """Check that ``document`` is SAML 2.0 metadata (an ``EntityDescriptor`` or
    ``EntitiesDescriptor`` that describes an identity provider) and return when the provider
    is valid until: the root's ``validUntil``, else a hundred years from now.

    The document is parsed by expat with every DTD refused, so it can declare no entity (no
    entity expansion, no external entity), and its size is bounded before parsing.
    """
    validators.check_text(document, "sAMLMetadataDocument", SAML_METADATA_MIN, SAML_METADATA_MAX, echo=False)
    parser = xml.parsers.expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    seen: dict[str, object] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        if "root" not in seen:
            seen["root"], seen["valid_until"] = name, attributes.get("validUntil")
        if name == f"{SAML_METADATA_NS} IDPSSODescriptor":
            seen["idp"] = True

    parser.StartElementHandler = start
    try:
        parser.Parse(document.encode("utf-8", "surrogatepass"), True)
    except (xml.parsers.expat.ExpatError, _Refused, ValueError):
        raise InvalidInput(BAD_METADATA) from None
    roots = {f"{SAML_METADATA_NS} EntityDescriptor", f"{SAML_METADATA_NS} EntitiesDescriptor"}
    if seen.get("root") not in roots or not seen.get("idp"):
        raise InvalidInput(BAD_METADATA)
    if seen["valid_until"] is None:
        now = timezone.now()
        return now.replace(year=now.year + SAML_DEFAULT_YEARS, day=min(now.day, 28) if now.month == 2 else now.day)
    try:
        valid_until = parse_datetime(str(seen["valid_until"]).strip())
    except ValueError:
        valid_until = None
    if valid_until is None:
        raise InvalidInput(BAD_METADATA)
    try:  # stored in UTC: 9999-12-31T23:59:59-01:00 is past datetime's last year
        return valid_until.astimezone(UTC) if valid_until.tzinfo else valid_until.replace(tzinfo=UTC)
    except OverflowError:
        raise InvalidInput(BAD_METADATA) from None


def check_saml_name(name: str) -> None:
    validators.check_text(name, "name", 1, SAML_NAME_MAX, _SAML_NAME_RE, SAML_NAME_PATTERN)


@transaction.atomic
def create_saml_provider(account: Account, *, name: str, metadata_document: str,
                         tags: Iterable[tuple[str, str]] = ()) -> SAMLProvider:
    """CreateSAMLProvider (with its tags). Names are unique per account whatever the case."""
    check_saml_name(name)
    valid_until = read_saml_metadata(metadata_document)
    provider = _tagged(SAMLProvider(account=account, name=name, metadata_document=metadata_document,
                                    valid_until=valid_until), tags)
    others = SAMLProvider.objects.filter(account=account)
    refuse_taken_name(others, name, kind="SAMLProvider")
    lock_account_quota(account, others, "SAMLProvidersPerAccount", quotas.SAML_PROVIDERS_PER_ACCOUNT)
    save_new(provider, f"SAMLProvider with name {name} already exists.")
    return provider


def find_saml_provider(account: Account, arn: str) -> SAMLProvider | None:
    check_arn(arn, "sAMLProviderArn")
    name = _named(account, arn, "saml-provider")
    if name is None or not _SAML_NAME_RE.fullmatch(name):
        return None
    return SAMLProvider.objects.filter(account=account, name__iexact=name).first()


def get_saml_provider(account: Account, arn: str) -> SAMLProvider:
    """GetSAMLProvider: the provider, or ``NoSuchEntity`` in IAM's words."""
    provider = find_saml_provider(account, arn)
    if provider is None:
        raise NoSuchEntity(f"Manifest not found for arn {arn}")
    return provider


def list_saml_providers(account: Account) -> QuerySet[SAMLProvider]:
    """ListSAMLProviders (IAM's result is not paged)."""
    return SAMLProvider.objects.filter(account=account).select_related("account").order_by("name")


@transaction.atomic
def update_saml_provider(provider: SAMLProvider, *, metadata_document: str) -> None:
    """UpdateSAMLProvider: a new metadata document, read as on creation."""
    provider.valid_until = read_saml_metadata(metadata_document)
    provider.metadata_document = metadata_document
    provider.save(update_fields=["metadata_document", "valid_until"])


def delete_saml_provider(provider: SAMLProvider) -> None:
    """DeleteSAMLProvider; roles that trust the provider are left as they are."""
    provider.delete()


def tag_saml_provider(provider: SAMLProvider, requested: Iterable[tuple[str, str]]) -> None:
    """TagSAMLProvider."""
    tagging.tag(provider, requested)


def untag_saml_provider(provider: SAMLProvider, keys: Iterable[str]) -> None:
    """UntagSAMLProvider."""
    tagging.untag(provider, keys)


def list_saml_provider_tags(provider: SAMLProvider) -> list[dict[str, str]]:
    """ListSAMLProviderTags."""
    return provider.tag_list
