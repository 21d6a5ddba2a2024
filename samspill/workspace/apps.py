from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "samspill.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self) -> None:
        from samspill.workspace import registrations  # noqa: F401
        from samspill.workspace.search import listen  # noqa: F401
