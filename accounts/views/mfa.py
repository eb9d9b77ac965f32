"""Console views: mfa (being built)."""

urlpatterns: list = []
