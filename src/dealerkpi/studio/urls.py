from django.urls import include, path

from dealerkpi.studio import views

urlpatterns = [
    path("", views.draft_list, name="draft-list"),
    path("plans/<int:pk>/draft/", views.start, name="draft-start"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft-detail"),
    path("drafts/<int:pk>/propose/", views.propose_draft, name="draft-propose"),
    path("drafts/<int:pk>/decide/", views.decide_draft, name="draft-decide"),
    path("", include("dealerkpi.studio.editor_urls")),
    path("", include("dealerkpi.studio.whatif_urls")),
    path("", include("dealerkpi.studio.health_urls")),
]
