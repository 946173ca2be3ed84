from django.contrib.auth import views as auth_views
from django.urls import path

from dealerkpi.web import approvals, exports, home, session, views

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/", session.session, name="session"),
    path("approvals/", approvals.inbox, name="approvals"),
    path("records/<slug:slug>/", views.record_list, name="record-list"),
    path("records/<slug:slug>/<int:pk>/", views.record_detail, name="record-detail"),
    path("records/<slug:slug>/export.<slug:fmt>", exports.record_export, name="record-export"),
]
