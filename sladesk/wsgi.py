"""The WSGI application, for a server such as gunicorn: `gunicorn sladesk.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")

application = get_wsgi_application()
