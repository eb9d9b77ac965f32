from django.apps import AppConfig


class IAMPortalConfig(AppConfig):
    name = "iamportal"
    verbose_name = "IAM Portal console"
