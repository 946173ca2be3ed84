from django.urls import path

from dealerkpi.core.caching import never_stored
from dealerkpi.pay import views as run_views

urlpatterns = never_stored([  # every page here shows pay
    path("runs/", run_views.run_list, name="run-list"),
    path("runs/<int:pk>/", run_views.run_detail, name="run-detail"),
    path("runs/<int:pk>/progress/", run_views.run_progress, name="run-progress"),
    path("runs/<int:pk>/inputs/", run_views.run_inputs, name="run-inputs"),
    path("runs/<int:pk>/<slug:action>/", run_views.run_action, name="run-action"),
    path("statements/", run_views.my_statements, name="my-statements"),
    path("earnings/", run_views.my_earnings, name="my-earnings"),
    path("statements/<int:pk>/", run_views.statement_detail, name="statement-detail"),
    path("statements/<int:pk>/records/<str:indicator>/", run_views.statement_records, name="statement-records"),
    path("statements/<int:pk>/figures/<str:metric>/", run_views.statement_figure_records,
         name="statement-figure-records"),
    path("queries/", run_views.query_list, name="query-list"),
    path("queries/<int:pk>/", run_views.query_answer, name="query-answer"),
])
