//! Live events: a tenant's changes (a payment, a sign-up) published with
//! `pg_notify` inside the writer's transaction, heard by every instance,
//! and handed to that tenant's open streams.

/// The live events hub of this instance (cheap to clone).
#[derive(Clone, Default)]
pub struct Live {}
