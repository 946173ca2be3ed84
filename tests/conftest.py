import pytest
from django.conf import settings

# `make test` hands whole files to its workers in the order collected (pytest-xdist's --dist loadfile with
# --no-loadscope-reorder). These take longest (about 200-250, 45-60, 35-45, 30-50 and 20-30 s on 2 cores):
# started first, they run beside the rest instead of after it, which kept one core idle for a minute or two at the
# end of each leg.
LONGEST_FIRST = ("tests/test_hostile_requests.py", "tests/test_kill9.py", "tests/test_demo.py",
                 "tests/test_production_settings.py", "tests/test_statements_unchanged.py")


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: position for position, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))


@pytest.fixture(autouse=True)
def _nothing_kept_from_another_test() -> None:
    """What the process keeps between requests (settings.CACHES) starts empty in each test: an SQLite test database
    gives the next test's rows the ids a rolled-back one had."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
