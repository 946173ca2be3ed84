"""How lists are cut into pages (a module of its own: DRF reads it from the settings while loading its views)."""

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """``?page=`` (from 1) and ``?page_size=`` (50 unless asked, at most 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
