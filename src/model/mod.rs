//! Value types: validated names, ids and the tenant as every layer sees it.
//! The lowest layer: it imports nothing from the rest of the crate, so every
//! other module may use it.

mod branding;
mod colour;
mod email;
mod hostname;
mod ids;
pub mod locale;
mod money;
mod schema;
mod slug;
mod tenant;
mod text;
mod words;

pub use crate::text_enum;
pub use branding::{BrandError, Branding, DEFAULT_PRIMARY, Font, Link};
pub use colour::{Colour, ColourError};
pub use email::{Email, EmailError};
pub use hostname::{Hostname, HostnameError};
pub use ids::TenantId;
pub use money::{Amount, Currency, MAX_MINOR, MoneyError};
pub use schema::SchemaName;
pub use slug::{Slug, SlugError};
pub use tenant::{SchemaState, SchemaStatus, Tenant, TenantStatus};
pub use text::{is_hidden_or_control, is_local_path};
pub use words::UnknownWord;
