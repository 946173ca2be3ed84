"""The register of faults and the process checks, included at /store/. The store is a query parameter for head
office: ?store=<id>."""

from django.urls import path

from dealerkpi.conduct import views

urlpatterns = [
    path("faults/", views.fault_list, name="fault-list"),
    path("faults/new/", views.fault_new, name="fault-new"),
    path("faults/<int:pk>/", views.fault_detail, name="fault-detail"),
    path("faults/<int:pk>/evidence/", views.fault_evidence, name="fault-evidence"),
    path("process-checks/", views.process_check_list, name="process-check-list"),
    path("process-checks/new/", views.process_check_new, name="process-check-new"),
    path("process-checks/<int:pk>/", views.process_check_detail, name="process-check-detail"),
    path("process-standards/", views.standards, name="process-standards"),
]
