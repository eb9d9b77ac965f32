from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "AWS Organizations (organizations, OUs, member accounts, SCPs)"
