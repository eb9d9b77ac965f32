"""Django's admin site for operators: managed policies, versions, inline policies,
attachments and boundaries (see :mod:`accounts.admin`)."""

from __future__ import annotations

from django.contrib import admin

from .models import InlinePolicy, ManagedPolicy, PermissionsBoundary, PolicyAttachment, PolicyVersion


@admin.register(ManagedPolicy)
class ManagedPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "path", "policy_id", "created", "updated")
    list_select_related = ("account",)
    search_fields = ("name", "policy_id")
    raw_id_fields = ("account",)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ("policy", "number", "is_default", "created")
    list_select_related = ("policy",)
    raw_id_fields = ("policy",)


@admin.register(InlinePolicy)
class InlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "group", "role", "updated")
    list_select_related = ("user", "group", "role")
    raw_id_fields = ("user", "group", "role")


@admin.register(PolicyAttachment)
class PolicyAttachmentAdmin(admin.ModelAdmin):
    list_display = ("policy", "account", "user", "group", "role", "created")
    list_select_related = ("policy", "account", "user", "group", "role")
    raw_id_fields = ("policy", "account", "user", "group", "role")


@admin.register(PermissionsBoundary)
class PermissionsBoundaryAdmin(admin.ModelAdmin):
    list_display = ("policy", "account", "user", "role", "created")
    list_select_related = ("policy", "account", "user", "role")
    raw_id_fields = ("policy", "account", "user", "role")
