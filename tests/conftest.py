import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # Logins in tests are checked, not protected: a fast hasher keeps world-building quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background jobs run in the request (Huey's immediate mode runs the real task code, in memory).
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
