"""Console views: account (being built)."""

urlpatterns: list = []
