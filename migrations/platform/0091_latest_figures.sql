-- Each live tenant's latest published figures: what every platform report
-- starts from (deleted tenants left out).
CREATE VIEW platform.latest_figures AS
    SELECT DISTINCT ON (f.tenant_id) f.*, t.slug, t.name, t.status
    FROM platform.published_figures f
    JOIN platform.tenants t ON t.id = f.tenant_id
    WHERE t.status <> 'deleted'
    ORDER BY f.tenant_id, f.day DESC;
