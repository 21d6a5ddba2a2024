from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoverConfig(AppConfig):
    name = "samspill.handover"
    label = "handover"
    verbose_name = _("Handover")

    def ready(self) -> None:
        from samspill.handover import registrations  # noqa: F401
