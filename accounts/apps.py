from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and identities"

    def ready(self) -> None:
        # After the password, a user with an assigned MFA device must pass the challenge.
        from .views.mfa import require_mfa_challenge
        from .views.signin import PASSWORD_STEP_HOOKS

        if require_mfa_challenge not in PASSWORD_STEP_HOOKS:
            PASSWORD_STEP_HOOKS.append(require_mfa_challenge)
