"""Access keys: CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys,
GetAccessKeyLastUsed — the operations the console's Security credentials tab and the
Query API both call.

A user (or the root user) has at most two keys, active and inactive together. The key id
is ``AKIA`` + 16 base32 characters encoding the account (``accounts.ids.access_key_id``);
the 40-character secret is returned once by :func:`create_access_key` and kept only sealed
(``accounts.seeds.seal_text``, bound to the key id), since SigV4 verification needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from iamportal.errors import LimitExceeded, NoSuchEntity, ValidationError

from . import ids, seeds, tags
from .models import AccessKey, User

#: An IAM call as :func:`policies.authz.first_denied` takes it.
Call = tuple[str, str, dict[str, Any]]

ACCESS_KEYS_PER_USER = 2
STATUSES = (AccessKey.ACTIVE, AccessKey.INACTIVE)
_PURPOSE = "access-key:"


def _seal(key_id: str, secret: str) -> str:
    return seeds.seal_text(secret, _PURPOSE + key_id)


def secret_of(key: AccessKey) -> str | None:
    """The secret access key of ``key`` (None when no configured secret key opens it)."""
    return seeds.open_text(key.sealed_secret, _PURPOSE + key.access_key_id)


def list_access_keys(user: User) -> list[AccessKey]:
    """The user's keys, oldest first (at most two)."""
    return list(user.access_keys.all())


def new_key_id(user: User) -> str:
    """A fresh ``AKIA…`` id for a key of ``user`` (its account encoded, as AWS's are)."""
    return ids.access_key_id("AKIA", user.account.account_id)


def _check_quota(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).first()
    if user.access_keys.count() >= ACCESS_KEYS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}")


def _create(user: User, key_id: str) -> tuple[AccessKey, str]:
    secret = ids.secret_access_key()
    key = AccessKey.objects.create(user=user, access_key_id=key_id, sealed_secret=_seal(key_id, secret))
    return key, secret


@transaction.atomic
def create_access_key(user: User) -> tuple[AccessKey, str]:
    """CreateAccessKey: a new active key and its secret (the only time it is returned)."""
    _check_quota(user)
    return _create(user, new_key_id(user))


# ---------------------------------------------------------------------------
# The console's Create access key: the key and its description tag


def description_of(user: User, key_id: str) -> str:
    """The console's description of a key: the value of the user's tag keyed by the key id."""
    return next((tag["Value"] for tag in user.tag_list if tag["Key"] == key_id), "")


def create_calls(user: User, key_id: str, description: str = "") -> list[Call]:
    """The IAM calls the console's Create access key stands for: ``iam:CreateAccessKey`` and,
    with a description, the ``iam:TagUser`` that stores it (the user's tag ``key_id`` =
    ``description``, with ``aws:RequestTag/<key id>`` and ``aws:TagKeys``); each carries
    the user's own tags. The root user has no tags, hence no description."""
    on_user = tags.resource_tag_context(user)
    calls: list[Call] = [("iam:CreateAccessKey", user.arn, on_user)]
    if description and not user.is_root:
        calls.append(("iam:TagUser", user.arn, {**on_user, **tags.tag_context([(key_id, description)])}))
    return calls


@transaction.atomic
def create_described_access_key(user: User, key_id: str, description: str = "", *,
                                authorize: Callable[[list[Call]], None] | None = None
                                ) -> tuple[AccessKey, str]:
    """The console's Create access key: CreateAccessKey with the id ``key_id`` (made by
    :func:`new_key_id` when the flow began) and, with a ``description``, the user tag that
    holds it (TagUser), both or neither. ``authorize`` gets :func:`create_calls` first."""
    if authorize is not None:
        authorize(create_calls(user, key_id, description))
    _check_quota(user)
    if description and not user.is_root:
        user.refresh_from_db(fields=["tags"])  # under the row lock _check_quota took
        tags.save_tags(user, [*tags.pairs(user), (key_id, description)])
    return _create(user, key_id)


def register_access_key(user: User, key_id: str, secret: str) -> AccessKey:
    """Give ``user`` a key with a chosen id and secret (test mode's ``FOOBARKEY``; never
    reachable from the console or the API, which only make ``AKIA…`` ids)."""
    return AccessKey.objects.create(user=user, access_key_id=key_id, sealed_secret=_seal(key_id, secret))


def get_access_key(user: User, key_id: str) -> AccessKey:
    """The key ``key_id`` of ``user``; NoSuchEntity in IAM's words for any other."""
    key = user.access_keys.filter(access_key_id=key_id).first()
    if key is None:
        raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found")
    return key


def update_access_key(key: AccessKey, *, status: str) -> None:
    """UpdateAccessKey: make the key Active or Inactive."""
    if status not in STATUSES:
        raise ValidationError(
            f"1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: "
            "Member must satisfy enum value set: [Active, Inactive]")
    if key.status != status:
        key.status = status
        key.save(update_fields=["status"])


def delete_access_key(key: AccessKey) -> None:
    """DeleteAccessKey (the API deletes an active key too; the console asks to deactivate first)."""
    key.delete()


def find_access_key(key_id: str) -> AccessKey | None:
    """The key a signed request names, with its user and account, or None."""
    # With the account's organization membership: SCPs (policies.authz.account_scps).
    return (AccessKey.objects.select_related("user__account__org_member__org")
            .filter(access_key_id=key_id).first())


def record_use(key: AccessKey, *, service: str, region: str) -> None:
    """Note when, where and for which service ``key`` was last used (GetAccessKeyLastUsed).

    Written at most once a minute per key, so a busy client costs no write per call."""
    now = timezone.now()
    if (key.last_used and (now - key.last_used).total_seconds() < 60
            and key.last_used_service == service and key.last_used_region == region):
        return
    AccessKey.objects.filter(pk=key.pk).update(last_used=now, last_used_service=service,
                                               last_used_region=region)
    key.last_used, key.last_used_service, key.last_used_region = now, service, region
