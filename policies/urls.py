"""URLs of the policies app (policies, simulator)."""

app_name = "policies"

urlpatterns: list = []
