from django.db import migrations

from xinghuo.workforce.catalogue import DEFAULT_ROLES, DEFAULT_SKILLS


def create_defaults(apps, schema_editor):
    Role = apps.get_model("workforce", "Role")
    Skill = apps.get_model("workforce", "Skill")
    for code, name, name_en in DEFAULT_ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})
    for code, name, name_en, certified, description in DEFAULT_SKILLS:
        Skill.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "requires_certification": certified,
                "description": description,
            },
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("workforce", "Skill").objects.filter(
        code__in=[s[0] for s in DEFAULT_SKILLS]
    ).delete()
    apps.get_model("workforce", "Role").objects.filter(
        code__in=[r[0] for r in DEFAULT_ROLES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
