-- The key that signs CSRF tokens and, per tenant, derives the key of its
-- API access tokens. Generated once in the database so that every instance
-- shares it; 256 bits from PostgreSQL's strong random source.

CREATE TABLE platform.signing_key (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    key        bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO platform.signing_key (key)
VALUES (sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                          || gen_random_uuid()::text, 'UTF8')));
