from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_delete


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from .signals import mark_history_of_deleted_user

        pre_delete.connect(
            mark_history_of_deleted_user,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="moderation.mark_history_of_deleted_user",
        )
