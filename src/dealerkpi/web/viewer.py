from django.http import HttpRequest

from dealerkpi.core.scope import Viewer, viewer_for


def viewer_of(request: HttpRequest) -> Viewer:
    """The request user's data scope, resolved once per request."""
    if not hasattr(request, "_viewer"):
        request._viewer = viewer_for(request.user)
    return request._viewer
