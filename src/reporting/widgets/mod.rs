//! The catalogue of dashboard widgets: each kind has a stable text id
//! (what layouts store and the API names), a title, the least role that
//! may see it (money is for treasurers; editors see members, projects and
//! activity), and what it computes, through other modules' public figures
//! (`contributions::figures`, `projects::figures`, `affiliation::figures`),
//! one or two statements per widget and no statement per row.
//!
//! - [`view`]: what a computed widget holds (for pages and the API);
//! - [`money`]: the treasurer's widgets; [`people`]: everyone else's.

mod money;
mod people;
pub mod view;

use crate::auth::Role;
use crate::db::TenantTx;
use crate::error::AppError;

pub use view::{Context, Widget, WidgetData};

macro_rules! kinds {
    ($($kind:ident = $id:literal, $role:ident;)*) => {
        /// A kind of widget.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $($kind,)* }

        impl Kind {
            /// Every kind, in catalogue order.
            pub const ALL: &'static [Kind] = &[$(Kind::$kind,)*];

            /// The stable id layouts and the API use.
            pub fn id(self) -> &'static str {
                match self { $(Kind::$kind => $id,)* }
            }

            /// The least role that may see it.
            pub fn min_role(self) -> Role {
                match self { $(Kind::$kind => Role::$role,)* }
            }
        }
    };
}

kinds! {
    Collected = "collected", Treasurer;
    ActiveMembers = "active_members", Editor;
    PaymentsToday = "payments_today", Treasurer;
    RenewalRate = "renewal_rate", Editor;
    Arrears = "arrears", Treasurer;
    CollectedMonths = "collected_months", Treasurer;
    MembersByPlan = "members_by_plan", Editor;
    MembersByTown = "members_by_town", Editor;
    MembersByAge = "members_by_age", Editor;
    PaymentsByMethod = "payments_by_method", Treasurer;
    Projects = "projects", Editor;
    Referrals = "referrals", Treasurer;
    RecentActivity = "recent_activity", Editor;
}

impl Kind {
    pub fn parse(id: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.id() == id)
    }

    /// The translation key of its title (`dashboard-widget-<id>`).
    pub fn title_key(self) -> String {
        format!("dashboard-widget-{}", self.id().replace('_', "-"))
    }

    /// The translation key of its one-line description.
    pub fn help_key(self) -> String {
        format!("{}-help", self.title_key())
    }

    pub fn allowed(self, role: Role) -> bool {
        role.is_staff() && role >= self.min_role()
    }
}

/// What `role` may choose from, in catalogue order.
pub fn catalogue(role: Role) -> Vec<Kind> {
    Kind::ALL
        .iter()
        .copied()
        .filter(|k| k.allowed(role))
        .collect()
}

/// The dashboard of someone who never arranged theirs: for editors the
/// people and projects, for treasurers the season's money first, for
/// admins every widget.
pub fn default_layout(role: Role) -> Vec<Kind> {
    use Kind::*;
    match role {
        Role::Member => Vec::new(),
        Role::Editor => vec![
            ActiveMembers,
            RenewalRate,
            MembersByPlan,
            Projects,
            MembersByTown,
            RecentActivity,
        ],
        Role::Treasurer => vec![
            Collected,
            ActiveMembers,
            PaymentsToday,
            RenewalRate,
            CollectedMonths,
            PaymentsByMethod,
            Arrears,
            MembersByPlan,
            RecentActivity,
            Projects,
            Referrals,
        ],
        Role::Admin => Kind::ALL.to_vec(),
    }
}

/// Computes one widget for the context's reader.
pub async fn compute(tx: &mut TenantTx, ctx: &Context, kind: Kind) -> Result<Widget, AppError> {
    use Kind::*;
    Ok(match kind {
        Collected => money::collected(tx, ctx).await?,
        PaymentsToday => money::today(tx, ctx).await?,
        Arrears => money::arrears(tx, ctx).await?,
        CollectedMonths => money::months(tx, ctx).await?,
        PaymentsByMethod => money::by_method(tx, ctx).await?,
        Referrals => money::referrals(tx, ctx).await?,
        ActiveMembers => people::active(tx, ctx).await?,
        RenewalRate => people::renewal(tx, ctx).await?,
        MembersByPlan => people::by_plan(tx, ctx).await?,
        MembersByTown => people::by_town(tx, ctx).await?,
        MembersByAge => people::by_age(tx, ctx).await?,
        Projects => people::projects(tx, ctx).await?,
        RecentActivity => people::recent(tx, ctx).await?,
    })
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
