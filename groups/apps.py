from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Mutual aid groups"

    def ready(self) -> None:
        from . import taxonomy  # noqa: F401  (connects the signals that refresh it)
