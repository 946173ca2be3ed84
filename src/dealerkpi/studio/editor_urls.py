from django.urls import path

from dealerkpi.studio import editor

urlpatterns = [
    path("drafts/<int:pk>/edit/", editor.draft_edit, name="draft-edit"),
    path("drafts/<int:pk>/validate/", editor.draft_validate, name="draft-validate"),
    path("drafts/<int:pk>/form/", editor.draft_form, name="draft-form"),
    path("drafts/<int:pk>/diff/", editor.draft_diff, name="draft-diff"),
    path("plans/<int:pk>/diff/", editor.version_diff, name="plan-version-diff"),
]
