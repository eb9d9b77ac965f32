from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and identities"

    def ready(self) -> None:
        # After the password, a user with an assigned MFA device must pass the challenge.
        from policies.authz import ACCOUNT_GRANTS
        from policies.loading import PRINCIPAL_LOADERS

        from .identity import IDENTITY_HOOKS
        from .password_policy import account_grant
        from .role_sessions import load_session_policy_set, role_session_identity
        from .views.mfa import require_mfa_challenge
        from .views.signin import PASSWORD_STEP_HOOKS

        if require_mfa_challenge not in PASSWORD_STEP_HOOKS:
            PASSWORD_STEP_HOOKS.append(require_mfa_challenge)
        # A live role session becomes the request's identity, with the role's policy set.
        if role_session_identity not in IDENTITY_HOOKS:
            IDENTITY_HOOKS.append(role_session_identity)
        if load_session_policy_set not in PRINCIPAL_LOADERS:
            PRINCIPAL_LOADERS.insert(0, load_session_policy_set)
        # The password policy's AllowUsersToChangePassword lets IAM users change their own.
        if account_grant not in ACCOUNT_GRANTS:
            ACCOUNT_GRANTS.append(account_grant)
