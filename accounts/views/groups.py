"""Console views: groups (being built)."""

urlpatterns: list = []
