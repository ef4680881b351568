from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and email"

    def ready(self) -> None:
        from allauth.account.signals import password_reset, user_signed_up
        from django.tasks.signals import task_finished

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .adapter import remember_sign_up
        from .tasks import purge_message
        from .throttle import forget_after_password_reset

        password_reset.connect(forget_after_password_reset)
        user_signed_up.connect(remember_sign_up)
        task_finished.connect(purge_message)
