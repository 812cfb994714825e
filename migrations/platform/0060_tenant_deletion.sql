-- Deleting a tenant is in two steps: it is marked `deleted` at once (its
-- hosts stop serving, its slug and domains stay reserved), then, after a
-- grace period during which an operator may restore it, a recurring job
-- purges its schema, role, files and row (see `portability::purge`).

ALTER TABLE platform.tenants DROP CONSTRAINT IF EXISTS tenants_status_check;
ALTER TABLE platform.tenants
    ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'deleted')),
    ADD COLUMN deleted_at timestamptz,
    ADD CONSTRAINT tenants_deleted_at_check CHECK ((status = 'deleted') = (deleted_at IS NOT NULL));

-- What the purge job looks for.
CREATE INDEX tenants_deleted_idx ON platform.tenants (deleted_at) WHERE status = 'deleted';
