"""The ASGI application, for a server such as uvicorn: `uvicorn sladesk.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")

application = get_asgi_application()
