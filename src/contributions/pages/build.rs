//! What a join form becomes: the core's `JoinRequest`, with the family
//! accounts (invited by mail to set a password) and the new household it
//! needs created first, in the caller's transaction. The review step runs
//! it under a savepoint it rolls back, so only the confirm step writes.

use std::collections::HashMap;

use super::join_form::{Choice, FAMILY_ROWS, Who};
use crate::accounts::model::Account;
use crate::accounts::staff::actions::{self, ActionError, Invitee, LinkBase};
use crate::auth::{RequestAuth, Role};
use crate::contributions::error::Error;
use crate::contributions::households;
use crate::contributions::memberships::{self, JoinRequest};
use crate::contributions::plans::Plan;
use crate::db::TenantTx;

const EMAIL_FIELDS: [&str; FAMILY_ROWS] = ["email1", "email2", "email3", "email4"];

/// The request `choice` makes, creating what it needs (family accounts,
/// the household) in `tx`; with the name of each person joining.
pub async fn build(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    account: &Account,
    plan: &Plan,
    choice: &Choice,
) -> Result<(JoinRequest, HashMap<i64, String>, Option<String>), Error> {
    let mut names = HashMap::from([(account.id, account.display_name.clone())]);
    let mut request = JoinRequest {
        plan_id: plan.id,
        tier: choice.tier.clone(),
        amount: choice.amount,
        members: vec![account.id],
        household_id: None,
        payer_id: account.id,
        instalments: choice.instalments,
        on: memberships::today(),
        by_staff: false,
    };
    let household = match &choice.who {
        Who::Me => None,
        Who::Household { id, include_me } => {
            let household = households::find(tx, *id)
                .await?
                .ok_or(Error::NotFound("household"))?;
            request.members = household
                .members
                .iter()
                .map(|m| m.account_id)
                .filter(|id| *include_me || *id != account.id)
                .collect();
            // Nobody would mean "the payer alone" to the core.
            if request.members.is_empty() {
                return Err(Error::invalid("who", "nobody", "nobody joins"));
            }
            for member in &household.members {
                names.insert(member.account_id, member.display_name.clone());
            }
            request.household_id = Some(household.id);
            Some(household.name)
        }
        Who::NewHousehold {
            name,
            include_me,
            people,
        } => {
            let base = LinkBase::new(&auth.host, auth.links_over_tls());
            let mut ids = Vec::new();
            for (n, person) in people.iter().enumerate() {
                let invitee = Invitee {
                    email: person.email.clone(),
                    name: person.name.clone(),
                    role: Role::Member,
                };
                let id = match actions::create_invited(tx, &invitee, &account.display_name, &base)
                    .await
                {
                    Ok((id, _)) => id,
                    Err(ActionError::AlreadyMember) => {
                        return Err(Error::invalid(
                            EMAIL_FIELDS[n],
                            "email-taken",
                            "has an account",
                        ));
                    }
                    Err(ActionError::Database(e)) => return Err(Error::Database(e)),
                    Err(other) => return Err(Error::conflict("invitation", other.to_string())),
                };
                names.insert(id, person.name.clone());
                ids.push(id);
            }
            let household_id = households::create(tx, name, account.id, &ids, account.id).await?;
            if *include_me {
                ids.insert(0, account.id);
            }
            request.members = ids;
            request.household_id = Some(household_id);
            Some(name.clone())
        }
    };
    Ok((request, names, household))
}

pub async fn savepoint(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    sqlx::query!("SAVEPOINT membership_join")
        .execute(tx.conn().await?)
        .await?;
    Ok(())
}

pub async fn rollback_to_savepoint(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    sqlx::query!("ROLLBACK TO SAVEPOINT membership_join")
        .execute(tx.conn().await?)
        .await?;
    Ok(())
}
