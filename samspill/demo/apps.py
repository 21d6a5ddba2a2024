from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and benchmark data generator, and the `seed` and `demo` commands."""

    name = "samspill.demo"
    label = "demo"
    verbose_name = "Demo data"
