from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "sladesk.kb"
    label = "kb"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        # A full reindex of the search app reads every article from here.
        from sladesk.search import index

        from .actions import index_entries

        index.register_source("article", index_entries)
