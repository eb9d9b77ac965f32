"""Load the AWS managed policy catalogue (policies/managed/catalogue.json.gz, about 1,600
policies) so a fresh database has it: the same code as syncmanagedpolicies, bulk inserts (about
one second on SQLite). A database that already ran this migration is brought up to date after
every ``migrate`` (``post_migrate``, see ``policies.apps``)."""

from django.db import migrations


def load(apps, schema_editor):
    from policies import managed

    managed.sync(
        apps.get_model("policies", "ManagedPolicy"), apps.get_model("policies", "PolicyVersion")
    )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
