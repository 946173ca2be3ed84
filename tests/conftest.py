import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # Logins in tests are checked, not protected: a fast hasher keeps world-building quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client's login() authenticates without a request, which login throttling (django-axes) refuses;
    # tests/test_production_settings.py turns it on to check the lockout.
    settings.AXES_ENABLED = False
    # Background jobs run in the request (Huey's immediate mode runs the real task code, in memory).
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--make-snapshots", action="store_true", default=False,
        help="test_statements_unchanged.py writes its snapshots of statements instead of comparing "
             "(see tests/snapshots/make_snapshots.py)",
    )
