"""Email that was sent, or given up, before accounts.tasks.purge_message: its task results
lose the message (subject, text, addresses) as every finished delivery now does."""

from django.db import migrations

from accounts.tasks import PURGED


def purge(apps, schema_editor):
    results = apps.get_model("django_tasks_database", "DBTaskResult")
    finished = results.objects.filter(
        task_path="accounts.tasks.deliver_email", status__in=["SUCCESSFUL", "FAILED"]
    )
    for result in finished.only("pk", "args_kwargs"):
        args = (result.args_kwargs or {}).get("args") or []
        attempt = args[1] if len(args) > 1 else 1
        result.args_kwargs = {"args": [PURGED, attempt], "kwargs": {}}
        result.save(update_fields=["args_kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_encrypt_mfa_secrets"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(purge, migrations.RunPython.noop)]
