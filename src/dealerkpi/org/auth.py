"""Logins: Django's model backend, the signed-in user read with their staff member and store."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from dealerkpi.org.models import User


class StaffBackend(ModelBackend):
    """Every page names the signed-in staff member and their store, and every permission asks the staff member's role
    and store: read with the user in one query instead of three at each request."""

    def get_user(self, user_id: int) -> User | None:
        user = User._default_manager.select_related("staff__store").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
