"""Console URLs of the labs app: the trainee side (labs/views.py) and classes (labs/class_views.py)."""

from django.urls import path

from . import class_views, views

app_name = "labs"

urlpatterns = [
    path("labs/", views.LabListView.as_view(), name="lab_list"),
    path("labs/<slug:slug>/start/", views.StartLabView.as_view(), name="start"),
    path("labs/runs/<int:run_id>/tasks/<slug:task_id>/check/", views.CheckTaskView.as_view(), name="check"),
    path("labs/runs/<int:run_id>/tasks/<slug:task_id>/hint/", views.HintView.as_view(), name="hint"),
    path("labs/runs/<int:run_id>/reset/", views.ResetLabView.as_view(), name="reset"),
    path("labs/runs/<int:run_id>/end/", views.EndLabView.as_view(), name="end"),
    *class_views.urlpatterns,
]
