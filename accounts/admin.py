"""Django's admin site for operators (``manage.py createsuperuser``), at ``/admin/``.

Read-mostly views of every account's rows for support and sizing; the console never uses
it, and an operator signs in with the root sign-in form (the admin's own login page
redirects there). Foreign keys are raw ids and lists are paged, so a page costs the same
at 100 and at 5,000 users.
"""

from __future__ import annotations

from django.contrib import admin

from .models import Account, Group, GroupMembership, PasswordPolicy, Role, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("account_id", "alias", "created")
    search_fields = ("account_id", "alias")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("user_name", "account", "is_root", "email", "created", "last_login", "is_staff")
    list_select_related = ("account",)
    search_fields = ("user_name", "email", "unique_id")
    raw_id_fields = ("account",)
    exclude = ("password",)
    readonly_fields = ("login_key", "unique_id", "last_login")


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "path", "created")
    list_select_related = ("account",)
    search_fields = ("name", "unique_id")
    raw_id_fields = ("account",)


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ("group", "user", "created")
    list_select_related = ("group", "user")
    raw_id_fields = ("group", "user")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "path", "created", "last_used")
    list_select_related = ("account",)
    search_fields = ("name", "unique_id")
    raw_id_fields = ("account",)


@admin.register(PasswordPolicy)
class PasswordPolicyAdmin(admin.ModelAdmin):
    """Accounts' custom password policies (earlier passwords' hashes are not shown anywhere)."""

    list_display = ("account", "minimum_password_length", "max_password_age", "password_reuse_prevention",
                    "hard_expiry", "updated")
    list_select_related = ("account",)
    raw_id_fields = ("account",)
