from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "samspill.delivery"
    label = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        from samspill.delivery import registrations  # noqa: F401
