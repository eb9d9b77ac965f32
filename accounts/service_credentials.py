"""Service-specific credentials: CreateServiceSpecificCredential, ListServiceSpecificCredentials,
ResetServiceSpecificCredential, UpdateServiceSpecificCredential, DeleteServiceSpecificCredential.

An IAM user has at most two per service (active and inactive together) for the services IAM
makes them for: CodeCommit's Git credentials and Keyspaces' Cassandra credentials (a
service user name ``<user>-at-<account id>`` and a 44-character password), and Bedrock's
long-term API keys (an alias and a secret, with an optional expiry in days).

The password (or API key secret) is returned once, by create and reset. Nothing in the
portal signs in with it, so only its SHA-256 is kept (a 264-bit random value: a fast hash
is as safe as a slow one here), which cannot give it back.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from iamportal.errors import InvalidInput, LimitExceeded, NoSuchEntity, NotSupportedService, ValidationError

from .models import ServiceSpecificCredential, User
from .provider_models import ACTIVE, INACTIVE

PER_USER_PER_SERVICE = 2
CODECOMMIT, KEYSPACES, BEDROCK = "codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"
SERVICES = (CODECOMMIT, KEYSPACES, BEDROCK)
#: Services whose credentials are long-term API keys (alias and secret, ``CredentialAgeDays``).
API_KEY_SERVICES = (BEDROCK,)
STATUSES = (ACTIVE, INACTIVE)
EXPIRED = "Expired"
AGE_DAYS_MAX = 36600


def _secret() -> str:
    """A 44-character password in base64's alphabet (33 random bytes)."""
    return base64.b64encode(secrets.token_bytes(33)).decode()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_service(service_name: str) -> None:
    """``NotSupportedService`` (404) for a service IAM makes no such credentials for."""
    if service_name not in SERVICES:
        raise NotSupportedService(f"Service {service_name} is not supported for service-specific credentials.")


def _service_user_name(user: User, service_name: str, taken: set[str]) -> str:
    """``<user>-at-<account>`` (``<user>+1-at-<account>`` when the user's first credential for
    the service already has that name); a Bedrock API key's alias is
    ``BedrockAPIKey-<4 characters>-at-<account>``."""
    account = user.account.account_id
    if service_name in API_KEY_SERVICES:
        return f"BedrockAPIKey-{secrets.token_hex(2)}-at-{account}"
    first = f"{user.user_name}-at-{account}"
    return first if first not in taken else f"{user.user_name}+1-at-{account}"


def status_of(credential: ServiceSpecificCredential) -> str:
    """``Expired`` for an API key past its expiry, else its stored status."""
    if credential.expires is not None and credential.expires <= timezone.now():
        return EXPIRED
    return credential.status


@transaction.atomic
def create_service_specific_credential(user: User, *, service_name: str,
                                       age_days: int | None = None) -> tuple[ServiceSpecificCredential, str]:
    """CreateServiceSpecificCredential: a new active credential of ``user`` for ``service_name``
    and its password (the only time, with reset, it is returned)."""
    check_service(service_name)
    if age_days is not None and service_name not in API_KEY_SERVICES:
        raise InvalidInput("CredentialAgeDays is only valid for services that support long-term API keys.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = set(user.service_specific_credentials.filter(service_name=service_name)
                   .values_list("service_user_name", flat=True))
    if len(existing) >= PER_USER_PER_SERVICE:
        raise LimitExceeded(f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: "
                            f"{PER_USER_PER_SERVICE}")
    secret = _secret()
    now = timezone.now()
    credential = ServiceSpecificCredential.objects.create(
        user=user, service_name=service_name, service_user_name=_service_user_name(user, service_name, existing),
        secret_hash=_hash(secret), created=now,
        expires=now + timedelta(days=age_days) if age_days is not None else None)
    return credential, secret


def list_service_specific_credentials(users: QuerySet | list[User],
                                      service_name: str | None = None) -> QuerySet:
    """The credentials of ``users`` (a queryset or a list), optionally of one service, oldest
    first, with their users."""
    rows = ServiceSpecificCredential.objects.filter(user__in=users).select_related("user")
    if service_name is not None:
        rows = rows.filter(service_name=service_name)
    return rows.order_by("created", "pk")


def get_service_specific_credential(user: User, credential_id: str) -> ServiceSpecificCredential:
    """The credential ``credential_id`` of ``user``; NoSuchEntity for any other."""
    credential = user.service_specific_credentials.filter(credential_id=credential_id).first()
    if credential is None:
        raise NoSuchEntity(f"No such credential {credential_id} exists")
    return credential


def reset_service_specific_credential(credential: ServiceSpecificCredential) -> str:
    """ResetServiceSpecificCredential: a new password; the old one stops working."""
    secret = _secret()
    credential.secret_hash = _hash(secret)
    credential.save(update_fields=["secret_hash"])
    return secret


def update_service_specific_credential(credential: ServiceSpecificCredential, *, status: str) -> None:
    """UpdateServiceSpecificCredential: make the credential Active or Inactive."""
    if status not in STATUSES:
        raise ValidationError(
            f"1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: "
            "Member must satisfy enum value set: [Active, Inactive]")
    if credential.status != status:
        credential.status = status
        credential.save(update_fields=["status"])


def delete_service_specific_credential(credential: ServiceSpecificCredential) -> None:
    credential.delete()
