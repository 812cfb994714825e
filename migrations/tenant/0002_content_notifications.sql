-- Public pages are cached in memory by every instance; a change to what they
-- show is announced on channel tessera_content with the schema's name, which
-- identifies the tenant (t_<id>). Per statement, and NOTIFY folds duplicates
-- within a transaction, so bulk writes send one message.

CREATE FUNCTION notify_content_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tessera_content', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;

CREATE TRIGGER announcements_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON announcements
    FOR EACH STATEMENT EXECUTE FUNCTION notify_content_change();
