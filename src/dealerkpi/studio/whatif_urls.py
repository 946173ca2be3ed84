from django.urls import path

from dealerkpi.studio import preview, whatif

urlpatterns = [
    path("drafts/<int:pk>/what-if/", whatif.whatif_page, name="draft-whatif"),
    path("drafts/<int:pk>/what-if.xlsx", whatif.whatif_xlsx, name="draft-whatif-xlsx"),
    path("drafts/<int:pk>/preview/", preview.preview, name="draft-preview"),
]
