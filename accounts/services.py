"""Domain operations on accounts, users and groups.

Views, wizards and management commands call these keyword-only, atomic
functions; they enforce IAM's names, uniqueness, quotas and delete-conflict
rules and raise :mod:`iamportal.errors` in AWS's words.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from iamportal import durable
from iamportal.errors import (
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
    PasswordPolicyViolation,
    ValidationError,
)

from . import dependents, password_policy, quotas, throttle, validators
from .models import Account, Group, GroupMembership, User

# ---------------------------------------------------------------------------
# Creating entities: quotas and names taken meanwhile


def lock_account_quota(account: Account, existing, quota: str, limit: int) -> None:
    """Lock the account row, so that two concurrent creations cannot both pass the quota
    check, then raise ``LimitExceeded`` if ``existing`` (a queryset) already holds ``limit``."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    if existing.count() >= limit:
        raise LimitExceeded(f"Cannot exceed quota for {quota}: {limit}")


def save_new(entity, taken_message: str) -> None:
    """Insert ``entity``; a unique name taken since it was checked is IAM's ``EntityAlreadyExists``."""
    try:
        with transaction.atomic():
            entity.save()
    except IntegrityError:
        raise EntityAlreadyExists(taken_message) from None


# ---------------------------------------------------------------------------
# Accounts and the root user


def _check_password(password: str, user: User | None = None) -> None:
    """An IAM user's password follows the account's password policy (:mod:`accounts.password_policy`);
    the root user's, and one checked for no one in particular, the portal's own rules
    (``AUTH_PASSWORD_VALIDATORS``), as AWS's policy does not govern the root user."""
    if user is not None and not user.is_root:
        password_policy.check_password(user, password)
        return
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise PasswordPolicyViolation(" ".join(exc.messages)) from None
    if len(password) > quotas.PASSWORD_MAX:
        raise PasswordPolicyViolation(f"Password must be at most {quotas.PASSWORD_MAX} characters.")


EMAIL_IN_USE = "An account with this email address already exists."


@transaction.atomic
def sign_up(*, email: str, password: str) -> User:
    """Create an account with a random 12-digit id and its root user.

    The password is checked before the email, so that an email already in use shows only
    to a sign-up that would otherwise succeed (docs/security.md). Of concurrent sign-ups
    with one email, one succeeds and the others get ``EntityAlreadyExists``.
    """
    email = email.strip()
    _check_password(password, User(is_root=True, email=email, user_name="root"))
    return create_account_with_root(email=email, password=password)


@transaction.atomic
def create_account_with_root(*, email: str, password: str, reset_required: bool = False) -> User:
    """A new account with a random 12-digit id and its root user, whose password is ``password``
    (not checked here: :func:`sign_up` checks it; ``organizations.services.create_account``
    generates it and sets ``reset_required``, so the root user changes it at first sign-in).
    ``EntityAlreadyExists`` when a root user already has the email, as for sign-up."""
    email = email.strip()
    root = User(is_root=True, email=email, user_name="root", password_changed=timezone.now(),
                password_reset_required=reset_required)
    if User.objects.filter(is_root=True, email__iexact=email).exists():
        raise EntityAlreadyExists(EMAIL_IN_USE)
    root.set_password(password)
    for _ in range(5):
        try:
            with transaction.atomic():
                account = Account.objects.create()
            break
        except IntegrityError:  # the random id collided; draw another
            continue
    else:  # pragma: no cover - 5 collisions in 10**12 ids
        raise LimitExceeded("Could not allocate an account id; try again.")
    root.account = account
    try:
        with transaction.atomic():
            root.save()
    except IntegrityError:  # the same email signed up meanwhile (its unique login key)
        raise EntityAlreadyExists(EMAIL_IN_USE) from None
    return root


@transaction.atomic
def set_account_alias(account: Account, alias: str) -> None:
    """Create or replace the account's alias (one per account, unique on the server)."""
    alias = alias.strip()
    validators.validate_alias(alias)
    if Account.objects.filter(alias=alias).exclude(pk=account.pk).exists():
        raise EntityAlreadyExists(f"The account alias {alias} already exists.")
    previous, account.alias = account.alias, alias
    try:
        with transaction.atomic():
            account.save(update_fields=["alias"])
    except IntegrityError:  # another account took it since the check
        account.alias = previous
        raise EntityAlreadyExists(f"The account alias {alias} already exists.") from None


def account_alias(account: Account) -> str:
    """The alias DeleteAccountAlias would delete, or its ``NoSuchEntity`` when there is none."""
    if not account.alias:
        raise NoSuchEntity(f"The account alias for account {account.account_id} cannot be found.")
    return account.alias


def delete_account_alias(account: Account) -> None:
    """DeleteAccountAlias: the sign-in URL falls back to the account id."""
    account_alias(account)
    account.alias = None
    account.save(update_fields=["alias"])


#: SetSecurityTokenServicePreferences' token versions, as GetAccountSummary reports them.
TOKEN_VERSIONS = {"v1Token": 1, "v2Token": 2}


def set_global_endpoint_token_version(account: Account, version: str) -> None:
    """SetSecurityTokenServicePreferences: ``v1Token`` or ``v2Token`` for the account's
    global-endpoint STS tokens (GetAccountSummary's ``GlobalEndpointTokenVersion``)."""
    account.global_endpoint_token_version = TOKEN_VERSIONS[version]
    account.save(update_fields=["global_endpoint_token_version"])


def iam_user_signin_url(account: Account, slug: str | None = None, *, request=None) -> str:
    """The IAM user sign-in URL of ``account``: by its alias when it has one, else by its id
    (the id URL keeps working after an alias is set). On the host and port that served
    ``request`` (validated against ALLOWED_HOSTS); without one (management commands), on
    ``IAMPORTAL_BASE_URL``."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse("accounts:signin_account", args=[slug or account.signin_slug])
    return request.build_absolute_uri(path) if request is not None else settings.IAMPORTAL_BASE_URL + path


# ---------------------------------------------------------------------------
# Passwords

PASSWORD_SYMBOLS = password_policy.SYMBOLS


def generate_password(length: int = 16, *, account: Account | None = None) -> str:
    """An autogenerated console password with every character type, long enough for the
    password policy of ``account`` (the default policy's when none is given)."""
    if account is not None:
        length = max(length, password_policy.minimum_length(account))
    alphabet = string.ascii_letters + string.digits + PASSWORD_SYMBOLS
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in PASSWORD_SYMBOLS for c in password),
        ]
        if all(classes):
            return password


def _lock_password(user: User) -> None:
    """Lock the user's row and read its password as it is now: two concurrent changes then
    run one after the other, and the second's checks (old password, reuse prevention) see
    the password the first set."""
    user.password = User.objects.select_for_update().values_list("password", flat=True).get(pk=user.pk)


def _replace_password(user: User, password: str, *, reset_required: bool) -> None:
    password_policy.remember_current_password(user)
    user.set_password(password)
    user.password_reset_required = reset_required
    user.password_changed = timezone.now()
    user.save(update_fields=["password", "password_reset_required", "password_changed"])


@transaction.atomic
def set_console_password(user: User, password: str, *, reset_required: bool) -> None:
    """Create or replace an IAM user's console password (CreateLoginProfile / UpdateLoginProfile),
    under the account's password policy (``PasswordPolicyViolation``)."""
    _lock_password(user)
    _check_password(password, user)
    _replace_password(user, password, reset_required=reset_required)


def login_profile(user: User) -> User:
    """``user``, who must have a console password (AWS's login profile), else ``NoSuchEntity``."""
    if user.is_root or not user.has_usable_password():
        raise NoSuchEntity(f"Login Profile for User {user.user_name} cannot be found.")
    return user


@transaction.atomic
def create_login_profile(user: User, password: str, *, reset_required: bool) -> None:
    """CreateLoginProfile: a first console password (``EntityAlreadyExists`` when there is one)."""
    _lock_password(user)
    if user.has_usable_password():
        raise EntityAlreadyExists(f"Login Profile for user {user.user_name} already exists.")
    set_console_password(user, password, reset_required=reset_required)


@transaction.atomic
def update_login_profile(user: User, *, password: str | None = None,
                         reset_required: bool | None = None) -> None:
    """UpdateLoginProfile: a new password and/or PasswordResetRequired (each kept when absent)."""
    _lock_password(user)
    login_profile(user)
    if reset_required is None:
        reset_required = user.password_reset_required
    if password is not None:
        set_console_password(user, password, reset_required=reset_required)
    elif reset_required != user.password_reset_required:
        user.password_reset_required = reset_required
        user.save(update_fields=["password_reset_required"])


def remove_console_access(user: User) -> None:
    """DeleteLoginProfile: the user can no longer sign in to the console."""
    if not user.has_usable_password():
        raise NoSuchEntity(f"Login Profile for User {user.user_name} cannot be found.")
    password_policy.remember_current_password(user)
    user.set_unusable_password()
    user.password_reset_required = False
    user.password_changed = None
    user.save(update_fields=["password", "password_reset_required", "password_changed"])


@transaction.atomic
def change_own_password(user: User, *, old_password: str, new_password: str) -> None:
    """ChangePassword: the caller changes their own password, proving the old one; an IAM
    user's new password follows the account's password policy. Whether the caller may call
    it at all (iam:ChangePassword, or the policy's AllowUsersToChangePassword) is the
    caller's face's to authorise."""
    _lock_password(user)
    budget = [(f"password-change:{user.pk}", settings.IAMPORTAL_SIGNIN_ATTEMPTS)]
    if throttle.exhausted(budget, window=settings.IAMPORTAL_SIGNIN_WINDOW):
        raise LimitExceeded("Too many failed attempts to change the password. Try again later.")
    if not user.check_password(old_password):
        # Wrong old passwords are counted as failed sign-ins are, and stay counted when the
        # caller's transaction rolls back (an API call's).
        count = partial(throttle.spend, budget[0][0], limit=budget[0][1], window=settings.IAMPORTAL_SIGNIN_WINDOW)
        count()
        durable.keep(count)
        raise InvalidInput("The old password is incorrect.")
    if old_password == new_password:
        raise PasswordPolicyViolation("The new password must be different from the old password.")
    _check_password(new_password, user)
    _replace_password(user, new_password, reset_required=False)


# ---------------------------------------------------------------------------
# IAM users


def _could_name(value: str, maximum: int) -> bool:
    """Whether ``value`` fits IAM's name rules. Anything else names nothing, and is not sent
    to the database (PostgreSQL refuses a NUL byte in a URL-supplied name with an error)."""
    try:
        validators.validate_name(value, "name", maximum)
    except ValidationError:
        return False
    return True


def get_named(entities, name: str, *, kind: str, maximum: int, field: str = "name"):
    """The one of ``entities`` (a queryset of one account's) called ``name``, whatever the
    case, or ``NoSuchEntity`` in IAM's words (``kind``: "user", "group", "role")."""
    found = None
    if _could_name(name, maximum):
        found = entities.filter(**{f"{field}__iexact": name}).first()
    if found is None:
        raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    return found


def refuse_taken_name(entities, name: str, *, kind: str, field: str = "name") -> None:
    """``EntityAlreadyExists`` when one of ``entities`` is already called ``name`` (IAM names
    are unique per account whatever the case; ``kind``: "User", "Group", "Role")."""
    if entities.filter(**{f"{field}__iexact": name}).exists():
        raise EntityAlreadyExists(f"{kind} with name {name} already exists.")


def get_user(account: Account, user_name: str) -> User:
    """An IAM user of ``account`` by name (case-insensitive), or ``NoSuchEntity``."""
    return get_named(User.objects.for_account(account), user_name, kind="user",
                     maximum=quotas.USER_NAME_MAX, field="user_name")


def get_group(account: Account, group_name: str) -> Group:
    """A group of ``account`` by name (case-insensitive), or ``NoSuchEntity``."""
    return get_named(Group.objects.filter(account=account), group_name, kind="group",
                     maximum=quotas.GROUP_NAME_MAX)


def check_new_user_name(account: Account, user_name: str, path: str = "/") -> None:
    """Raise unless ``user_name`` (and ``path``) could name a new IAM user of ``account``."""
    validators.validate_name_and_path(user_name, "userName", quotas.USER_NAME_MAX, path)
    refuse_taken_name(User.objects.for_account(account), user_name, kind="User", field="user_name")


@transaction.atomic
def create_user(
    account: Account,
    *,
    user_name: str,
    path: str = "/",
    console_password: str | None = None,
    password_reset_required: bool = False,
    groups: Sequence[Group] = (),
    tags: Iterable[tuple[str, str]] = (),
) -> User:
    """CreateUser (+ CreateLoginProfile, AddUserToGroup, TagUser) in one transaction."""
    check_new_user_name(account, user_name, path)
    tag_list = validators.validate_tags(tags)
    lock_account_quota(account, User.objects.for_account(account), "UsersPerAccount",
                       quotas.USERS_PER_ACCOUNT)
    user = User(account=account, user_name=user_name, path=path, tags=tag_list)
    user.set_unusable_password()
    save_new(user, f"User with name {user_name} already exists.")
    if console_password is not None:
        set_console_password(user, console_password, reset_required=password_reset_required)
    for group in groups:
        add_user_to_group(group, user)
    return user


@transaction.atomic
def update_user(user: User, *, new_name: str | None = None, new_path: str | None = None) -> None:
    """UpdateUser: a new name and/or path (unique in the account whatever the case). The user
    keeps its id, credentials, groups and policies; it signs in with its new name."""
    name = user.user_name if new_name is None else new_name
    path = user.path if new_path is None else new_path
    validators.validate_name_and_path(name, "newUserName", quotas.USER_NAME_MAX, path, "newPath")
    refuse_taken_name(User.objects.for_account(user.account).exclude(pk=user.pk), name, kind="User",
                      field="user_name")
    user.user_name, user.path = name, path
    save_new(user, f"User with name {name} already exists.")


def delete_user_plan(user: User) -> dependents.DeletePlan:
    """What the console's delete of ``user`` removes first, and the IAM calls it stands for."""
    return dependents.USERS.plan(user, ("iam:DeleteUser", user.arn, dependents.on(user)))


@transaction.atomic
def delete_user(user: User, *, remove_dependents: bool,
                authorize: Callable[[list[dependents.Call]], None] | None = None) -> None:
    """DeleteUser. With ``remove_dependents`` it does what the console does: removes the
    password, MFA devices, policies and group memberships first, each an IAM call that
    ``authorize`` is given (with DeleteUser) before anything changes; without, it refuses
    with IAM's ``DeleteConflict`` while anything remains."""
    if user.is_root:
        raise InvalidInput("The root user cannot be deleted.")
    dependents.delete_with_dependents(user, dependents.USERS, ("iam:DeleteUser", user.arn, dependents.on(user)),
                                      remove_dependents=remove_dependents, authorize=authorize)


@transaction.atomic
def check_console_password(password: str, *, user: User | None = None) -> None:
    """Raise ``PasswordPolicyViolation`` unless ``password`` may be a console password,
    so forms can say so before the step that sets it."""
    _check_password(password, user)


# ---------------------------------------------------------------------------
# Groups


def check_new_group_name(account: Account, name: str, path: str = "/", *, exclude: Group | None = None) -> None:
    validators.validate_name_and_path(name, "groupName", quotas.GROUP_NAME_MAX, path)
    others = Group.objects.filter(account=account)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    refuse_taken_name(others, name, kind="Group")


@transaction.atomic
def create_group(account: Account, *, name: str, path: str = "/", users: Sequence[User] = ()) -> Group:
    """CreateGroup (+ AddUserToGroup for each user)."""
    check_new_group_name(account, name, path)
    lock_account_quota(account, Group.objects.filter(account=account), "GroupsPerAccount",
                       quotas.GROUPS_PER_ACCOUNT)
    group = Group(account=account, name=name, path=path)
    save_new(group, f"Group with name {name} already exists.")
    for user in users:
        add_user_to_group(group, user)
    return group


@transaction.atomic
def update_group(group: Group, *, new_name: str | None = None, new_path: str | None = None) -> None:
    """UpdateGroup: a new name (NewGroupName) and/or path (NewPath); members and policies stay."""
    name = group.name if new_name is None else new_name
    path = group.path if new_path is None else new_path
    validators.validate_name_and_path(name, "newGroupName", quotas.GROUP_NAME_MAX, path, "newPath")
    refuse_taken_name(Group.objects.filter(account=group.account).exclude(pk=group.pk), name, kind="Group")
    group.name, group.path = name, path
    save_new(group, f"Group with name {name} already exists.")


@transaction.atomic
def add_user_to_group(group: Group, user: User) -> None:
    """AddUserToGroup: idempotent, like IAM; a user belongs to at most 10 groups."""
    if user.account_id != group.account_id or user.is_root:
        raise NoSuchEntity(f"The user with name {user.user_name} cannot be found.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    if GroupMembership.objects.filter(group=group, user=user).exists():
        return
    if GroupMembership.objects.filter(user=user).count() >= quotas.GROUPS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {quotas.GROUPS_PER_USER}")
    GroupMembership.objects.create(group=group, user=user)


def remove_user_from_group(group: Group, user: User) -> None:
    deleted, _ = GroupMembership.objects.filter(group=group, user=user).delete()
    if not deleted:
        raise NoSuchEntity(f"The user with name {user.user_name} cannot be found.")


def delete_group_plan(group: Group) -> dependents.DeletePlan:
    """What the console's delete of ``group`` removes first, and the IAM calls it stands for."""
    return dependents.GROUPS.plan(group, ("iam:DeleteGroup", group.arn, {}))


def delete_group(group: Group, *, remove_dependents: bool,
                 authorize: Callable[[list[dependents.Call]], None] | None = None) -> None:
    """DeleteGroup; with ``remove_dependents`` the console's clean-up (RemoveUserFromGroup per
    member, DeleteGroupPolicy and DetachGroupPolicy per policy, all given to ``authorize``
    first) runs before it, else ``DeleteConflict`` while members or policies remain."""
    dependents.delete_with_dependents(group, dependents.GROUPS, ("iam:DeleteGroup", group.arn, {}),
                                      remove_dependents=remove_dependents, authorize=authorize)
