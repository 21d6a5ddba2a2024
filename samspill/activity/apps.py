from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    name = "samspill.activity"
    label = "activity"
    verbose_name = _("Activity")

    def ready(self) -> None:
        from samspill.activity.log import DatabaseEventLog
        from samspill.lib import events

        events.install(DatabaseEventLog())
