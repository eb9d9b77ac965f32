"""The account password policy: Get/Update/DeleteAccountPasswordPolicy and its rules.

An account has at most one custom policy (:class:`accounts.models.PasswordPolicy`); without
one, IAM's default policy applies (iam-facts §8.9): at least 8 characters, at least three of
the four character types, not the account's name (here its ID or alias) or its root user's
email address, passwords never expire. The policy governs IAM users' passwords only, never
the root user's, which follow the portal's own rules (``AUTH_PASSWORD_VALIDATORS``).

Every face calls these functions: the console's pages and the Query API's actions alike.
``accounts.services.set_console_password`` and ``change_own_password`` check a new password
here, with the user's row locked, so that two concurrent changes cannot both pass the
reuse check (docs/password-policy.md).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.hashers import check_password as hash_matches
from django.db import transaction
from django.utils import timezone

from iamportal.errors import NoSuchEntity, PasswordPolicyViolation

from . import quotas, validators
from .models import Account, PasswordPolicy, PreviousPassword, User

#: AWS's symbols ("non-alphanumeric characters") for RequireSymbols and the default policy.
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
DEFAULT_MINIMUM_LENGTH = 8
DEFAULT_CHARACTER_TYPES = 3

#: UpdateAccountPasswordPolicy's parameters: the model field each sets, the member name IAM's
#: validation messages use and, for integers, the allowed range. A parameter left out goes back
#: to its default (the field's default: 6, false, or off).
PARAMETERS: dict[str, tuple[str, str, tuple[int, int] | None]] = {
    "MinimumPasswordLength": ("minimum_password_length", "minimumPasswordLength", PasswordPolicy.MIN_LENGTH_RANGE),
    "RequireSymbols": ("require_symbols", "requireSymbols", None),
    "RequireNumbers": ("require_numbers", "requireNumbers", None),
    "RequireUppercaseCharacters": ("require_uppercase_characters", "requireUppercaseCharacters", None),
    "RequireLowercaseCharacters": ("require_lowercase_characters", "requireLowercaseCharacters", None),
    "AllowUsersToChangePassword": ("allow_users_to_change_password", "allowUsersToChangePassword", None),
    "MaxPasswordAge": ("max_password_age", "maxPasswordAge", PasswordPolicy.MAX_AGE_RANGE),
    "PasswordReusePrevention": ("password_reuse_prevention", "passwordReusePrevention", PasswordPolicy.REUSE_RANGE),
    "HardExpiry": ("hard_expiry", "hardExpiry", None),
}

HARD_EXPIRY_REFUSAL = "Your password has expired. Contact your administrator to reset it."


# ---------------------------------------------------------------------------
# Get / Update / Delete


def policy_of(account: Account) -> PasswordPolicy | None:
    """The account's custom policy, or ``None`` when IAM's default applies. Read once per
    account object (Django caches the reverse one-to-one; the sign-in backend loads it
    with the user)."""
    try:
        return account.password_policy
    except PasswordPolicy.DoesNotExist:
        return None


def _forget_cached(account: Account) -> None:
    relation = Account._meta.get_field("password_policy")
    if relation.is_cached(account):
        relation.delete_cached_value(account)


def get_account_password_policy(account: Account) -> PasswordPolicy:
    """GetAccountPasswordPolicy: the custom policy, or IAM's ``NoSuchEntity`` when the
    account has none (the default applies then)."""
    policy = policy_of(account)
    if policy is None:
        raise NoSuchEntity(f"The Password Policy with domain name {account.account_id} cannot be found.")
    return policy


@transaction.atomic
def update_account_password_policy(account: Account, **parameters: int | bool | None) -> PasswordPolicy:
    """UpdateAccountPasswordPolicy with AWS's parameter names (``MinimumPasswordLength=14,
    RequireSymbols=True, …``). As in IAM, a parameter not given (or ``None``) goes back to its
    default, not to its current value. Out-of-range integers raise IAM's ``ValidationError``
    ("1 validation error detected: Value '200' at 'minimumPasswordLength' failed to satisfy
    constraint: Member must have value less than or equal to 128"), every fault in one message.
    Creates the policy when the account has none."""
    unknown = set(parameters) - set(PARAMETERS)
    if unknown:
        raise TypeError(f"Unknown password policy parameters: {', '.join(sorted(unknown))}")
    values: dict[str, int | bool | None] = {}
    problems: list[str] = []
    for name, (field, member, bounds) in PARAMETERS.items():
        value = parameters.get(name)
        if bounds is None:
            values[field] = bool(value)
        elif value is None:
            values[field] = PasswordPolicy._meta.get_field(field).get_default()
        else:
            problems += validators.range_problems(int(value), member, *bounds)
            values[field] = int(value)
    validators.raise_problems(problems)
    # The account row serialises concurrent first updates (one policy row per account).
    Account.objects.select_for_update().filter(pk=account.pk).first()
    policy, _ = PasswordPolicy.objects.update_or_create(account=account, defaults={**values, "updated": timezone.now()})
    account.password_policy = policy
    return policy


@transaction.atomic
def delete_account_password_policy(account: Account) -> None:
    """DeleteAccountPasswordPolicy: IAM's default policy applies again (``NoSuchEntity`` when
    there was no custom policy)."""
    deleted, _ = PasswordPolicy.objects.filter(account=account).delete()
    _forget_cached(account)
    if not deleted:
        raise NoSuchEntity(f"The Password Policy with domain name {account.account_id} cannot be found.")


def users_may_change_password(account: Account) -> bool:
    """``AllowUsersToChangePassword``: every IAM user of the account may change their own
    password (iam:ChangePassword on their user, iam:GetAccountPasswordPolicy) without a policy."""
    policy = policy_of(account)
    return bool(policy and policy.allow_users_to_change_password)


GRANTED_ACTIONS = ("iam:changepassword", "iam:getaccountpasswordpolicy")


def account_grant(identity, action: str, resource: str) -> bool:
    """The account-level permissions ``AllowUsersToChangePassword`` gives, as IAM applies them:
    an IAM user (not a role session) may call ChangePassword on their own user and
    GetAccountPasswordPolicy. Registered with :data:`policies.authz.ACCOUNT_GRANTS`; an
    explicit deny in the user's policies still wins."""
    action = action.lower()
    if action not in GRANTED_ACTIONS or identity.principal_type != "User" or identity.role_session is not None:
        return False
    if action == "iam:changepassword" and resource != identity.user.arn:
        return False
    return users_may_change_password(identity.account)


# ---------------------------------------------------------------------------
# The rules


def _types_present(password: str) -> dict[str, bool]:
    return {
        "uppercase": any("A" <= c <= "Z" for c in password),
        "lowercase": any("a" <= c <= "z" for c in password),
        "number": any("0" <= c <= "9" for c in password),
        "symbol": any(c in SYMBOLS for c in password),
    }


def _root_email(account: Account) -> str:
    return User.objects.filter(account=account, is_root=True).values_list("email", flat=True).first() or ""


def rule_violations(account: Account, password: str) -> list[str]:
    """What ``password`` breaks of the account's policy (custom or default), in AWS's words;
    empty when it complies. Reuse prevention is checked apart (:func:`check_password`)."""
    policy = policy_of(account)
    present = _types_present(password)
    problems = []
    minimum = policy.minimum_password_length if policy else DEFAULT_MINIMUM_LENGTH
    if len(password) < minimum:
        problems.append(f"Password should have a minimum length of {minimum}")
    if len(password) > quotas.PASSWORD_MAX:
        problems.append(f"Password must be at most {quotas.PASSWORD_MAX} characters.")
    if policy is None:
        if sum(present.values()) < DEFAULT_CHARACTER_TYPES:
            problems.append("Password should have at least three of the following character types: "
                            "uppercase letters, lowercase letters, numbers and symbols")
        names = {account.account_id, account.alias or "", _root_email(account).lower()} - {""}
        if password.lower() in names:
            problems.append("Password should not be the account name or email address")
        return problems
    required = [
        (policy.require_uppercase_characters, "uppercase", "Password should have at least one uppercase letter"),
        (policy.require_lowercase_characters, "lowercase", "Password should have at least one lowercase letter"),
        (policy.require_numbers, "number", "Password should have at least one number"),
        (policy.require_symbols, "symbol", "Password should have at least one symbol"),
    ]
    problems += [message for wanted, kind, message in required if wanted and not present[kind]]
    return problems


def _remembered(user: User, count: int) -> list[str]:
    """The hashes of the user's last ``count`` passwords, the current one first."""
    current = [user.password] if user.has_usable_password() else []
    earlier = PreviousPassword.objects.filter(user=user).values_list("password", flat=True)[:count - len(current)]
    return current + list(earlier)


def check_password(subject: User | Account, password: str) -> None:
    """Raise ``PasswordPolicyViolation`` unless ``password`` may be the password of the IAM
    user ``subject`` (or of a new user of the account ``subject``) under the account's policy,
    reuse prevention included. The root user is not subject to it: nothing is checked.

    The caller that then sets the password holds the user's row locked
    (``accounts.services``), so the reuse check sees the password a concurrent change set.
    """
    user = subject if isinstance(subject, User) else None
    if user is not None and user.is_root:
        return
    account = user.account if user is not None else subject
    problems = rule_violations(account, password)
    policy = policy_of(account)
    if not problems and user is not None and user.pk and policy and policy.password_reuse_prevention:
        count = policy.password_reuse_prevention
        if any(hash_matches(password, encoded) for encoded in _remembered(user, count)):
            problems.append(f"Password should not be one of the previous {count} passwords")
    if problems:
        raise PasswordPolicyViolation("; ".join(problems))


def remember_current_password(user: User) -> None:
    """Keep the hash of the password ``user`` is about to replace (at most
    :attr:`PreviousPassword.KEPT` per user; older ones are deleted)."""
    if user.is_root or not user.has_usable_password():
        return
    PreviousPassword.objects.create(user=user, password=user.password)
    stale = list(PreviousPassword.objects.filter(user=user).values_list("pk", flat=True)[PreviousPassword.KEPT:])
    if stale:
        PreviousPassword.objects.filter(pk__in=stale).delete()


def minimum_length(account: Account) -> int:
    """The shortest password the account's policy accepts."""
    policy = policy_of(account)
    return policy.minimum_password_length if policy else DEFAULT_MINIMUM_LENGTH


# ---------------------------------------------------------------------------
# Expiry


def expires_at(user: User):
    """When the user's password expires under the account's policy, or ``None`` (never, the
    root user, no password). A newly enabled expiry applies at once, counted from the last
    change, as in IAM."""
    if user.is_root or not user.has_usable_password():
        return None
    policy = policy_of(user.account)
    if policy is None or not policy.max_password_age:
        return None
    return (user.password_changed or user.created) + timedelta(days=policy.max_password_age)


def password_expired(user: User) -> bool:
    """Whether the IAM user's password has expired (``MaxPasswordAge`` days since it was set)."""
    expiry = expires_at(user)
    return expiry is not None and expiry <= timezone.now()


def expired_at_signin(user: User) -> str | None:
    """What an IAM user's sign-in does, once the password is right, about an expired password:
    ``None`` to go on — the password, if expired, is now one that must be changed (the forced
    change at sign-in) — or, under ``HardExpiry``, the refusal to show: only an administrator's
    reset lets the user in again."""
    if not password_expired(user):
        return None
    if policy_of(user.account).hard_expiry:
        return HARD_EXPIRY_REFUSAL
    if not user.password_reset_required:
        user.password_reset_required = True
        user.save(update_fields=["password_reset_required"])
    return None


# ---------------------------------------------------------------------------
# The policy in words (next to every password field, and on Account settings)


def _symbols_spaced() -> str:
    return " ".join(SYMBOLS)


def policy_text(account: Account) -> list[str]:
    """The rules a new password of an IAM user of ``account`` must follow, as the console
    lists them next to a password field."""
    policy = policy_of(account)
    if policy is None:
        return [
            f"Minimum password length: {DEFAULT_MINIMUM_LENGTH} characters",
            f"Maximum password length: {quotas.PASSWORD_MAX} characters",
            "Include a minimum of three of the following mix of character types: uppercase, lowercase, "
            f"numbers, and non-alphanumeric symbols ({_symbols_spaced()})",
            "Must not be identical to the account ID, the account alias or the root user's email address",
            "Never expire password",
        ]
    lines = [f"Minimum password length: {policy.minimum_password_length} characters"]
    if policy.require_uppercase_characters:
        lines.append("Require at least one uppercase letter from the Latin alphabet (A-Z)")
    if policy.require_lowercase_characters:
        lines.append("Require at least one lowercase letter from the Latin alphabet (a-z)")
    if policy.require_numbers:
        lines.append("Require at least one number")
    if policy.require_symbols:
        lines.append(f"Require at least one non-alphanumeric character ({_symbols_spaced()})")
    if policy.max_password_age:
        lines.append(f"Password expires in {policy.max_password_age} day(s)")
        if policy.hard_expiry:
            lines.append("Password expiration requires administrator reset")
    else:
        lines.append("Never expire password")
    if policy.password_reuse_prevention:
        lines.append(f"Remember last {policy.password_reuse_prevention} password(s) and prevent reuse")
    return lines
