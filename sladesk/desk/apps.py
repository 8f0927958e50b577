from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "sladesk.desk"
    verbose_name = _("Service desk")
