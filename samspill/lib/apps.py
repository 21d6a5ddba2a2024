from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "samspill.lib"
    label = "lib"
    verbose_name = "Samspill"

    def ready(self) -> None:
        from samspill.lib import tasks  # noqa: F401  (registers the periodic jobs)
