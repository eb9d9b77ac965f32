"""URLs of the accounts app: each views module contributes its own ``urlpatterns``."""

from .views import account, groups, mfa, roles, signin, switch_role, users

app_name = "accounts"

urlpatterns = [
    *signin.urlpatterns,
    *mfa.urlpatterns,
    *users.urlpatterns,
    *groups.urlpatterns,
    *account.urlpatterns,
    *roles.urlpatterns,
    *switch_role.urlpatterns,
]
