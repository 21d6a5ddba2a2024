from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "samspill.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from samspill.people import registrations  # noqa: F401
