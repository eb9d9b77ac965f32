"""Index the throttle's window start (pruning), and seal the MFA seeds stored so far."""

from binascii import hexlify, unhexlify

from django.db import migrations, models


def seal_seeds(apps, schema_editor):
    from accounts import seeds

    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for device in TOTPDevice.objects.exclude(key__startswith=seeds.PREFIX).only("pk", "key"):
        TOTPDevice.objects.filter(pk=device.pk).update(key=seeds.seal(unhexlify(device.key)))


def unseal_seeds(apps, schema_editor):
    from accounts import seeds

    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for device in TOTPDevice.objects.filter(key__startswith=seeds.PREFIX).only("pk", "key"):
        plain = hexlify(seeds.unseal(device.key)).decode()
        TOTPDevice.objects.filter(pk=device.pk).update(key=plain)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_roles"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.AlterField(
            model_name="throttle",
            name="window_start",
            field=models.DateTimeField(db_index=True),
        ),
        migrations.CreateModel(
            name="VirtualMFADevice",
            fields=[],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunPython(seal_seeds, unseal_seeds),
    ]
