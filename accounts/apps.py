from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and email"

    def ready(self) -> None:
        from allauth.account.signals import password_reset, user_signed_up
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete
        from django.tasks.signals import task_finished

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .adapter import remember_sign_up
        from .services import refuse_deleting_kept_accounts
        from .tasks import purge_message
        from .throttle import forget_after_password_reset

        password_reset.connect(forget_after_password_reset)
        user_signed_up.connect(remember_sign_up)
        task_finished.connect(purge_message)
        pre_delete.connect(
            refuse_deleting_kept_accounts,
            sender=get_user_model(),
            dispatch_uid="accounts.refuse_deleting_kept_accounts",
        )
