from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "sladesk.inbound"
    verbose_name = _("Incoming channels")
