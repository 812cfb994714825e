//! `SchemaName`: the PostgreSQL schema holding one tenant's (or one spare's) tables.

use std::fmt;

use super::TenantId;

/// Either `t_<tenant id>` or `spare_<n>`. Built only from integers, never from
/// request input, so it can be spliced into SQL text (`search_path`, DDL).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct SchemaName(String);

impl SchemaName {
    pub fn for_tenant(tenant_id: TenantId) -> Self {
        Self(format!("t_{tenant_id}"))
    }

    pub fn for_spare(n: i64) -> Self {
        Self(format!("spare_{n}"))
    }

    /// Accepts a name read back from the registry, refusing anything that is
    /// not one of the two shapes above.
    pub fn parse(raw: &str) -> Option<Self> {
        let digits = raw
            .strip_prefix("t_")
            .or_else(|| raw.strip_prefix("spare_"))?;
        let valid =
            !digits.is_empty() && digits.len() <= 19 && digits.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_two_shapes_parse() {
        assert_eq!(
            SchemaName::parse("t_42"),
            Some(SchemaName::for_tenant(TenantId::new(42)))
        );
        assert_eq!(SchemaName::parse("spare_7"), Some(SchemaName::for_spare(7)));
        for bad in [
            "t_",
            "t_4a",
            "public",
            "t_1; drop",
            "T_1",
            "spare_-1",
            "t_12345678901234567890",
        ] {
            assert_eq!(SchemaName::parse(bad), None, "{bad}");
        }
    }
}
