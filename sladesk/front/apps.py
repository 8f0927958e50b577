from django.apps import AppConfig


class FrontConfig(AppConfig):
    """The public pages: the home page, and the base layout other apps extend."""

    name = "sladesk.front"
