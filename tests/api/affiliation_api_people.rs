//! The API's people routes: an affiliate's bank details, a ban and its
//! lifting, and a referral bound by hand, each with its bad input refused
//! and nothing written, and refused to another association's staff.

use serde_json::json;

use crate::affiliation_fixture::{affiliate, app, club, lines, pay, rule, visit};
use crate::contributions_fixture::{person, scalar};
use crate::helpers::api_client::{call, post};
use tessera::auth::Role;

#[tokio::test]
async fn bank_details_ban_and_a_referral_bound_by_hand() {
    let app = app().await;
    let club = club(&app, "aff-people", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "flat", "amount_minor": 200 }),
    )
    .await;
    let member = affiliate(&app, &club, "ally@aff-people.test", "Ally Affiliate").await;

    let bad = json!({ "payee_name": "Ally", "iban": "FR76 0000 0000 0000" });
    let refused = call(
        &app,
        "PUT",
        club.host(),
        "/api/v1/affiliate/bank",
        &bad,
        Some(&member.token),
    )
    .await;
    assert_eq!(refused.status, 422, "{:?}", refused.json);
    assert_eq!(
        scalar(
            &app,
            club.tenant(),
            "SELECT count(*) FROM aff_affiliates WHERE iban IS NOT NULL OR iban_sealed IS NOT NULL"
        )
        .await,
        0
    );
    let good =
        json!({ "payee_name": "Ally Affiliate", "iban": "FR76 3000 6000 0112 3456 7890 189" });
    let saved = call(
        &app,
        "PUT",
        club.host(),
        "/api/v1/affiliate/bank",
        &good,
        Some(&member.token),
    )
    .await;
    assert_eq!(saved.status, 204, "{:?}", saved.json);

    // Someone told the treasurer who brought them: bound by hand.
    let friend = person(
        &app,
        club.tenant(),
        "friend@aff-people.test",
        "Fred Friend",
        Role::Member,
        false,
    )
    .await;
    let path = format!("/api/v1/affiliation/programs/{}/referrals", club.program);
    let bound = post(
        &app,
        club.host(),
        &path,
        &json!({ "affiliate_id": member.affiliate, "account_id": friend }),
        Some(club.token()),
    )
    .await;
    assert_eq!(bound.status, 201, "{:?}", bound.json);
    assert_eq!(bound.json["via"], "manual");
    let again = post(
        &app,
        club.host(),
        &path,
        &json!({ "affiliate_id": member.affiliate, "account_id": friend }),
        Some(club.token()),
    )
    .await;
    assert_eq!(again.status, 409);
    let own = post(
        &app,
        club.host(),
        &path,
        &json!({ "affiliate_id": member.affiliate, "account_id": member.id }),
        Some(club.token()),
    )
    .await;
    assert_eq!(own.status, 422);
    pay(&app, &club, friend, 1500).await;
    assert_eq!(lines(&app, &club).await.len(), 1);

    // A ban needs a reason; then the link stops and unpaid lines are void.
    let ban = format!(
        "/api/v1/affiliation/programs/{}/affiliates/{}/ban",
        club.program, member.affiliate
    );
    let no_reason = post(
        &app,
        club.host(),
        &ban,
        &json!({ "reason": " " }),
        Some(club.token()),
    )
    .await;
    assert_eq!(no_reason.status, 422);
    assert_eq!(
        visit(&app, club.host(), &format!("/r/{}", member.code), None)
            .await
            .status(),
        303
    );
    let banned = post(
        &app,
        club.host(),
        &ban,
        &json!({ "reason": "bought clicks" }),
        Some(club.token()),
    )
    .await;
    assert_eq!(banned.status, 204);
    assert_eq!(
        visit(&app, club.host(), &format!("/r/{}", member.code), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        scalar(
            &app,
            club.tenant(),
            "SELECT count(*) FROM aff_lines WHERE status <> 'void'"
        )
        .await,
        0
    );
    let unban = format!(
        "/api/v1/affiliation/programs/{}/affiliates/{}/unban",
        club.program, member.affiliate
    );
    assert_eq!(
        post(&app, club.host(), &unban, &json!({}), Some(club.token()))
            .await
            .status,
        204
    );
    assert_eq!(
        visit(&app, club.host(), &format!("/r/{}", member.code), None)
            .await
            .status(),
        303
    );

    // Another association's treasurer reaches none of it.
    let other = club_of_other(&app).await;
    let foreign = post(
        &app,
        other.host(),
        &ban,
        &json!({ "reason": "x" }),
        Some(other.token()),
    )
    .await;
    assert_eq!(foreign.status, 404);
    let with_their_token = post(
        &app,
        club.host(),
        &ban,
        &json!({ "reason": "x" }),
        Some(other.token()),
    )
    .await;
    assert!(
        matches!(with_their_token.status, 401 | 403),
        "{}",
        with_their_token.status
    );
}

async fn club_of_other(app: &crate::helpers::TestApp) -> crate::affiliation_fixture::Club {
    club(app, "aff-people-b", json!({ "name": "Another programme" })).await
}
