"""Console views: users (being built)."""

urlpatterns: list = []
