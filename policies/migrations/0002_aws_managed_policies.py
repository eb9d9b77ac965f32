"""Load the AWS managed policies so a fresh database has them (same code as syncmanagedpolicies)."""

from django.db import migrations


def load(apps, schema_editor):
    from policies import managed

    managed.sync(
        apps.get_model("policies", "ManagedPolicy"), apps.get_model("policies", "PolicyVersion")
    )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
