"""Console URLs of this app (filled in as its pages land)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
