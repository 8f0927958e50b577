from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "sladesk.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from .index import register_source
        from .models import Kind
        from .tickets import ticket_entries

        register_source(Kind.TICKET, ticket_entries)
