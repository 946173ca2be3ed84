"""Task pages, included at /tasks/. The store is a query parameter for head office: ?store=<id>."""

from django.urls import path

from dealerkpi.tasks import views

urlpatterns = [
    path("", views.task_list, name="task-list"),
    path("new/", views.task_new, name="task-new"),
    path("<int:pk>/", views.task_detail, name="task-detail"),
    path("<int:pk>/evidence/", views.task_evidence, name="task-evidence"),
]
