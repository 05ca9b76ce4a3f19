"""The platform's question banks and exams (登高作业安全, 油机发电操作): see question_banks.py."""

from django.db import migrations


def load(apps, schema_editor):
    from xinghuo.certification.question_banks import load_banks

    load_banks(
        skill_model=apps.get_model("workforce", "Skill"),
        bank_model=apps.get_model("certification", "QuestionBank"),
        question_model=apps.get_model("certification", "Question"),
        exam_model=apps.get_model("certification", "Exam"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0001_initial"),
        ("workforce", "0002_default_roles_and_skills"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
