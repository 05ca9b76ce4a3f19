"""Transfers are immutable in the database itself, not only in Python.

PostgreSQL: a trigger refuses UPDATE and DELETE of any transfer row (TRUNCATE, used
only by test teardown and never by the application, is not a row operation).
SQLite: a trigger refuses UPDATE; DELETE is left to the application because Django's
test teardown flushes SQLite tables with DELETE.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION settlement_transfer_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger transfers are immutable (%), post a reversing transfer', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER settlement_transfer_immutable
    BEFORE UPDATE OR DELETE ON settlement_transfer
    FOR EACH ROW EXECUTE FUNCTION settlement_transfer_immutable();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS settlement_transfer_immutable ON settlement_transfer;
DROP FUNCTION IF EXISTS settlement_transfer_immutable();
"""
SQLITE_FORWARD = """
CREATE TRIGGER settlement_transfer_no_update BEFORE UPDATE ON settlement_transfer
BEGIN
    SELECT RAISE(ABORT, 'ledger transfers are immutable, post a reversing transfer');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS settlement_transfer_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
