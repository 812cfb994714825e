-- Notifications (`src/notifications/`): who hears about what, and how.
--
-- A producer's call writes one `notices` row (what happened), then, in the
-- same statement, one in-app row per recipient who wants it in the list,
-- one mail-queue row per recipient who wants a mail (now, or in their
-- daily digest) and one push-queue row per device of recipients who want
-- pushes. The queues are worked off by jobs and emptied as they go: a
-- notice to 5,000 members is three INSERT … SELECT and one job, not 5,000.

CREATE TABLE notices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('announcements', 'renewals', 'payments', 'projects')),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body        text NOT NULL CHECK (length(body) <= 2000),
    -- A path on the portal, never another site.
    url         text NOT NULL CHECK (url ~ '^/([^/\\]|$)' AND length(url) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Notices are kept for `notifications::tasks::KEEP_DAYS`, then removed
-- with their rows in members' lists.
CREATE INDEX notices_created_idx ON notices (created_at);

-- The in-app list: a member's notification is (account, notice).
CREATE TABLE notifications (
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    notice_id   bigint NOT NULL REFERENCES notices ON DELETE CASCADE,
    read_at     timestamptz,
    PRIMARY KEY (account_id, notice_id)
);
CREATE INDEX notifications_unread_idx ON notifications (account_id, notice_id)
    WHERE read_at IS NULL;
CREATE INDEX notifications_notice_idx ON notifications (notice_id);

-- What a member chose per kind; a kind without a row has the defaults
-- written in `notifications::model::Kind::defaults`.
CREATE TABLE notification_preferences (
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('announcements', 'renewals', 'payments', 'projects')),
    in_app      boolean NOT NULL,
    email       boolean NOT NULL,
    push        boolean NOT NULL,
    PRIMARY KEY (account_id, kind)
);

-- Digest mode: mails wait for one daily summary instead of leaving at once.
CREATE TABLE notification_settings (
    account_id      bigint PRIMARY KEY REFERENCES accounts ON DELETE CASCADE,
    digest          boolean NOT NULL DEFAULT false,
    last_digest_at  timestamptz
);

-- Browsers that accepted Web Push for an account (one row per device). An
-- endpoint is a secret URL of the browser's push service; it belongs to
-- one account at a time (the last one that subscribed on that device).
CREATE TABLE push_subscriptions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    endpoint         text NOT NULL UNIQUE CHECK (length(endpoint) <= 2048),
    p256dh           bytea NOT NULL CHECK (length(p256dh) = 65),
    auth             bytea NOT NULL CHECK (length(auth) = 16),
    user_agent       text CHECK (length(user_agent) <= 300),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_success_at  timestamptz
);
CREATE INDEX push_subscriptions_account_idx ON push_subscriptions (account_id);

-- The association's VAPID key pair, made on first use. The private key is
-- sealed (AES-256-GCM) under a key derived from the platform's signing key,
-- which no tenant role can read: a dump of this schema cannot sign pushes.
CREATE TABLE push_vapid_keys (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    public_key          bytea NOT NULL CHECK (length(public_key) = 65),
    private_key_sealed  bytea NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Mails still to send: `digest` rows wait for the recipient's daily digest.
CREATE TABLE notification_mail_queue (
    notice_id   bigint NOT NULL REFERENCES notices ON DELETE CASCADE,
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    digest      boolean NOT NULL,
    PRIMARY KEY (notice_id, account_id)
);
CREATE INDEX notification_mail_queue_digest_idx ON notification_mail_queue (account_id)
    WHERE digest;

-- Pushes still to send, one per device; a failed one waits for `next_at`.
CREATE TABLE notification_push_queue (
    notice_id        bigint NOT NULL REFERENCES notices ON DELETE CASCADE,
    subscription_id  bigint NOT NULL REFERENCES push_subscriptions ON DELETE CASCADE,
    attempts         integer NOT NULL DEFAULT 0,
    next_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notice_id, subscription_id)
);
CREATE INDEX notification_push_queue_subscription_idx ON notification_push_queue (subscription_id);
