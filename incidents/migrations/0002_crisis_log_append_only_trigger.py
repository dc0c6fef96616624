"""The crisis log (*main courante*) is append-only in the database itself: UPDATE and DELETE of a
row raise. TRUNCATE (test database flush) is not affected."""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION incidents_crisislogentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the crisis log (main courante) is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incidents_crisislogentry_append_only
    BEFORE UPDATE OR DELETE ON incidents_crisislogentry
    FOR EACH ROW EXECUTE FUNCTION incidents_crisislogentry_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS incidents_crisislogentry_append_only ON incidents_crisislogentry;
DROP FUNCTION IF EXISTS incidents_crisislogentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_crises_contacts_trouble_tickets")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
