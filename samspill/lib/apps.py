from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "samspill.lib"
    label = "lib"
    verbose_name = "Samspill"
