from django.apps import AppConfig


class IAMPortalConfig(AppConfig):
    name = "iamportal"
    verbose_name = "IAM Portal console"

    def ready(self) -> None:
        from policies import checks  # noqa: F401  (registers the console checks)
