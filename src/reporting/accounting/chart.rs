//! The association's chart of accounts for the journal: journals and
//! treasury accounts, the default revenue accounts and each plan's own
//! (7561 dues without counterpart, 7562 with, …). One row of settings and
//! one row per plan that has its own account.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::TenantTx;
use crate::error::Refusal;

/// What the journal books money to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    /// Nine digits; names the FEC file.
    pub siren: Option<String>,
    pub bank_journal: String,
    pub cash_journal: String,
    pub bank_account: String,
    pub cash_account: String,
    pub cheque_account: String,
    /// Dues of plans without an account of their own.
    pub dues_account: String,
    /// Money received for no membership.
    pub unallocated_account: String,
    /// Plan id → revenue account.
    #[serde(default)]
    pub plan_accounts: HashMap<i64, String>,
}

impl Default for Chart {
    fn default() -> Self {
        Self {
            siren: None,
            bank_journal: "BQ".into(),
            cash_journal: "CA".into(),
            bank_account: "512".into(),
            cash_account: "530".into(),
            cheque_account: "5112".into(),
            dues_account: "756".into(),
            unallocated_account: "75411".into(),
            plan_accounts: HashMap::new(),
        }
    }
}

const ACCOUNT_RULE: &str = "an account number: a digit, then 1 to 15 digits or capitals";

/// `512`, `7561`, `411ANNE`: a digit, then 1 to 15 digits or capitals.
pub fn is_account(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_digit())
        && (2..=16).contains(&text.len())
        && chars.all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

fn is_journal(text: &str) -> bool {
    (1..=6).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

impl Chart {
    /// Trims and upper-cases, then checks every field; the first wrong one
    /// is named.
    pub fn checked(mut self) -> Result<Self, Refusal> {
        let tidy = |s: &mut String| *s = s.trim().to_uppercase();
        for field in [
            &mut self.bank_journal,
            &mut self.cash_journal,
            &mut self.bank_account,
            &mut self.cash_account,
            &mut self.cheque_account,
            &mut self.dues_account,
            &mut self.unallocated_account,
        ] {
            tidy(field);
        }
        self.siren = self
            .siren
            .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect::<String>())
            .filter(|s| !s.is_empty());
        if let Some(siren) = &self.siren
            && !(siren.len() == 9 && siren.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(Refusal::invalid("siren", "siren", "nine digits"));
        }
        for (name, value) in [
            ("bank_journal", &self.bank_journal),
            ("cash_journal", &self.cash_journal),
        ] {
            if !is_journal(value) {
                return Err(Refusal::invalid(
                    name,
                    "journal",
                    "1 to 6 capitals or digits",
                ));
            }
        }
        for (name, value) in [
            ("bank_account", &self.bank_account),
            ("cash_account", &self.cash_account),
            ("cheque_account", &self.cheque_account),
            ("dues_account", &self.dues_account),
            ("unallocated_account", &self.unallocated_account),
        ] {
            if !is_account(value) {
                return Err(Refusal::invalid(name, "account", ACCOUNT_RULE));
            }
        }
        let mut plans = HashMap::new();
        for (plan, account) in self.plan_accounts {
            let account = account.trim().to_uppercase();
            if account.is_empty() {
                continue;
            }
            if !is_account(&account) {
                return Err(Refusal::invalid("plan_accounts", "account", ACCOUNT_RULE));
            }
            plans.insert(plan, account);
        }
        self.plan_accounts = plans;
        Ok(self)
    }

    /// The revenue account of `plan`.
    pub fn plan_account(&self, plan: i64) -> &str {
        self.plan_accounts
            .get(&plan)
            .map_or(self.dues_account.as_str(), String::as_str)
    }
}

/// The chart as saved (defaults until saved once).
pub async fn load(tx: &mut TenantTx) -> Result<Chart, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT siren, bank_journal, cash_journal, bank_account, cash_account, cheque_account,
                dues_account, unallocated_account
         FROM accounting_settings"
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let plans = sqlx::query!("SELECT plan_id, account FROM accounting_plan_accounts")
        .fetch_all(tx.conn().await?)
        .await?;
    let mut chart = match row {
        None => Chart::default(),
        Some(r) => Chart {
            siren: r.siren,
            bank_journal: r.bank_journal,
            cash_journal: r.cash_journal,
            bank_account: r.bank_account,
            cash_account: r.cash_account,
            cheque_account: r.cheque_account,
            dues_account: r.dues_account,
            unallocated_account: r.unallocated_account,
            plan_accounts: HashMap::new(),
        },
    };
    chart.plan_accounts = plans.into_iter().map(|p| (p.plan_id, p.account)).collect();
    Ok(chart)
}

/// Saves a checked chart; a plan id that is not the tenant's is refused
/// before anything is written.
pub async fn save(tx: &mut TenantTx, chart: &Chart) -> Result<(), Refusal> {
    for plan in chart.plan_accounts.keys() {
        if crate::contributions::plans::find(tx, *plan)
            .await?
            .is_none()
        {
            return Err(Refusal::invalid(
                "plan_accounts",
                "plan",
                format!("no plan {plan}"),
            ));
        }
    }
    sqlx::query!(
        "INSERT INTO accounting_settings (only_row, siren, bank_journal, cash_journal, bank_account,
                                          cash_account, cheque_account, dues_account, unallocated_account)
         VALUES (true, $1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (only_row) DO UPDATE SET
           siren = $1, bank_journal = $2, cash_journal = $3, bank_account = $4, cash_account = $5,
           cheque_account = $6, dues_account = $7, unallocated_account = $8, updated_at = now()",
        chart.siren,
        chart.bank_journal,
        chart.cash_journal,
        chart.bank_account,
        chart.cash_account,
        chart.cheque_account,
        chart.dues_account,
        chart.unallocated_account
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!("DELETE FROM accounting_plan_accounts")
        .execute(tx.conn().await?)
        .await?;
    for (plan, account) in &chart.plan_accounts {
        sqlx::query!(
            "INSERT INTO accounting_plan_accounts (plan_id, account) VALUES ($1, $2)",
            plan,
            account
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(())
}
