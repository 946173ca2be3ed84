import os

from django.core.wsgi import get_wsgi_application

from dealerkpi.core.checks import refuse_without_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerkpi.settings")
application = get_wsgi_application()
refuse_without_secret_key()  # production never serves with an empty key
