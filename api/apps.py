from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The IAM (2010-05-08) and STS (2011-06-15) Query APIs at ``POST /`` (docs/api.md)."""

    name = "api"
    verbose_name = "IAM and STS Query API"

    def ready(self) -> None:
        from .actions import load_all

        load_all()
