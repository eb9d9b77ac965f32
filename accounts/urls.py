"""URLs of the accounts app: each views module contributes its own ``urlpatterns``."""

from .views import account, groups, mfa, signin, users
from .views import roles

app_name = "accounts"

urlpatterns = [
    *signin.urlpatterns,
    *mfa.urlpatterns,
    *users.urlpatterns,
    *groups.urlpatterns,
    *account.urlpatterns,
    *roles.urlpatterns,
]
