"""URLs of the accounts app: each views module contributes its own ``urlpatterns``."""

from .views import access_keys, account, credential_report, groups, mfa, roles, signin, switch_role, users

app_name = "accounts"

urlpatterns = [
    *signin.urlpatterns,
    *mfa.urlpatterns,
    *access_keys.urlpatterns,
    *users.urlpatterns,
    *groups.urlpatterns,
    *account.urlpatterns,
    *credential_report.urlpatterns,
    *roles.urlpatterns,
    *switch_role.urlpatterns,
]
