#!/bin/sh
# The built wheel, installed into a fresh virtualenv outside the checkout, works without the source tree:
# `dealerkpi --version`, the demo (migrate, generate, logins) served (its login page and a static file), `plan check` on the example plan it carries, and the
# deploy check with the production environment of docs/deploy.md. Used by `make test-dist`.
set -eu
wheel=$(ls "$1"/dealerkpi-*.whl)
python=${PYTHON:-python3.11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
cd "$work"  # nothing of the checkout on the path or under the working directory
bin="$work/venv/bin"
"$bin/dealerkpi" --version
env -u DEALERKPI_DEV DATABASE_URL="sqlite:///$work/demo.sqlite3" "$bin/dealerkpi" demo --no-serve > demo.log
grep -q "demo1234" demo.log || { cat demo.log; echo "FAIL: the demo printed no logins" >&2; exit 1; }
port=$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DEALERKPI_DEV=1 DATABASE_URL="sqlite:///$work/demo.sqlite3" "$bin/dealerkpi" runserver "127.0.0.1:$port" --noreload \
    > serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
served() {  # the status of a page of the demo, once the server answers
    "$bin/python" - "$1" <<'PY'
import sys, time, urllib.error, urllib.request
for _ in range(60):
    try:
        print(urllib.request.urlopen(sys.argv[1], timeout=5).status); break
    except urllib.error.HTTPError as refused:
        print(refused.code); break
    except OSError:
        time.sleep(0.5)
PY
}
[ "$(served "http://127.0.0.1:$port/login/")" = 200 ] || { cat serve.log; echo "FAIL: the demo's login page" >&2; exit 1; }
[ "$(served "http://127.0.0.1:$port/static/web/style.css")" = 200 ] || { echo "FAIL: the static files" >&2; exit 1; }
kill $server
plan=$("$bin/python" -c 'import dealerkpi, pathlib; print(pathlib.Path(dealerkpi.__file__).parent / "examples" / "plans" / "consultant.yaml")')
"$bin/dealerkpi" plan check "$plan"
mkdir -p "$work/var"
env -i PATH="$PATH" DJANGO_SECRET_KEY="$("$python" -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DJANGO_ALLOWED_HOSTS=kpi.example.com DATABASE_URL="sqlite:///$work/production.sqlite3" DEALERKPI_BEHIND_PROXY=1 \
    DEALERKPI_TASKS_REDIS_URL=redis://127.0.0.1:6379/0 DJANGO_STATIC_ROOT="$work/static" DEALERKPI_VAR="$work/var" \
    "$bin/dealerkpi" check --deploy --fail-level WARNING
echo "the wheel works outside the checkout: $(basename "$wheel")"
