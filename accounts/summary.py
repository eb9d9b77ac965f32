"""GetAccountSummary: the account's IAM usage and quotas, as IAM's ``SummaryMap`` has them.

Every key of botocore's ``summaryKeyType`` is present (iam-facts §1.4): the account's counts,
read in one query whatever they are, the quotas the portal enforces, and four 0/1 flags
about the root user (an assigned MFA device, an access key, a password, a signing certificate).
"""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from policies import services as policy_services
from policies.models import ManagedPolicy, PolicyAttachment

from . import mfa, quotas, roles
from .models import AccessKey, Account, Group, InstanceProfile, Role, User
from .provider_models import OpenIDConnectProvider, SAMLProvider, ServerCertificate, SigningCertificate

#: What the account may have: the portal's quotas (the values IAM reports by default).
QUOTAS = {
    "UsersQuota": quotas.USERS_PER_ACCOUNT,
    "GroupsQuota": quotas.GROUPS_PER_ACCOUNT,
    "RolesQuota": quotas.ROLES_PER_ACCOUNT,
    "PoliciesQuota": policy_services.POLICIES_PER_ACCOUNT,
    "InstanceProfilesQuota": roles.INSTANCE_PROFILES_PER_ACCOUNT,
    "ServerCertificatesQuota": quotas.SERVER_CERTIFICATES_PER_ACCOUNT,
    "UserPolicySizeQuota": policy_services.INLINE_SIZE["user"][1],
    "GroupPolicySizeQuota": policy_services.INLINE_SIZE["group"][1],
    "RolePolicySizeQuota": policy_services.INLINE_SIZE["role"][1],
    "PolicySizeQuota": policy_services.POLICY_SIZE_MAX,
    "AssumeRolePolicySizeQuota": roles.TRUST_POLICY_SIZE,
    "AttachedPoliciesPerUserQuota": policy_services.ATTACHED_POLICIES["user"][1],
    "AttachedPoliciesPerGroupQuota": policy_services.ATTACHED_POLICIES["group"][1],
    "AttachedPoliciesPerRoleQuota": policy_services.ATTACHED_POLICIES["role"][1],
    "GroupsPerUserQuota": quotas.GROUPS_PER_USER,
    "AccessKeysPerUserQuota": quotas.ACCESS_KEYS_PER_USER,
    "SigningCertificatesPerUserQuota": quotas.SIGNING_CERTIFICATES_PER_USER,
    "VersionsPerPolicyQuota": policy_services.VERSIONS_PER_POLICY,
    "PolicyVersionsInUseQuota": 10000,
}


def _count(rows: QuerySet, account_field: str = "account") -> Coalesce:
    """The number of ``rows`` of the outer account, as a subquery."""
    counted = (rows.filter(**{account_field: OuterRef("pk")}).order_by().values(account_field)
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _root_has(rows: QuerySet, user_field: str = "user") -> Exists:
    """Whether the outer account's root user has one of ``rows``."""
    return Exists(rows.filter(**{f"{user_field}__account": OuterRef("pk"), f"{user_field}__is_root": True}))


def account_summary(account: Account) -> dict[str, int]:
    """GetAccountSummary's ``SummaryMap`` for ``account`` (one query)."""
    devices = mfa.live_devices()
    counts = Account.objects.filter(pk=account.pk).values(
        Users=_count(User.objects.filter(is_root=False)),
        Groups=_count(Group.objects.all()),
        Roles=_count(Role.objects.all()),
        Policies=_count(ManagedPolicy.objects.all()),
        PolicyVersionsInUse=_count(PolicyAttachment.objects.all()),
        InstanceProfiles=_count(InstanceProfile.objects.all()),
        ServerCertificates=_count(ServerCertificate.objects.all()),
        OIDCProviders=_count(OpenIDConnectProvider.objects.all()),
        SAMLProviders=_count(SAMLProvider.objects.all()),
        MFADevices=_count(devices, "user__account"),
        MFADevicesInUse=_count(devices.filter(confirmed=True), "user__account"),
        AccountMFAEnabled=_root_has(devices.filter(confirmed=True)),
        AccountAccessKeysPresent=_root_has(AccessKey.objects.all()),
        AccountSigningCertificatesPresent=_root_has(SigningCertificate.objects.all()),
        GlobalEndpointTokenVersion=F("global_endpoint_token_version"),
        AccountPasswordPresent=Exists(User.objects.filter(account=OuterRef("pk"), is_root=True)
                                      .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)),
    ).get()
    summary = {key: int(value) for key, value in counts.items()}
    summary["Providers"] = summary.pop("OIDCProviders") + summary.pop("SAMLProviders")
    return {**summary, **QUOTAS}
