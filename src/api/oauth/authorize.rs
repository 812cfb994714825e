//! `GET /oauth/authorize`: the consent page a client sends its user to;
//! `POST /oauth/authorize`: the user's answer (CSRF-checked by
//! `auth::context`, like every form). The client and its redirect URI are
//! checked before anything else: a request naming an unknown client or an
//! unregistered URI gets an error page and is never redirected.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::clients::{self, Client, Grant};
use crate::api::json::ApiQuery;
use crate::audit::{self, Entry};
use crate::auth::{RequestAuth, SignedIn, Viewer};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

/// The request's parameters, all optional so that each missing one gets
/// its own answer.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct Params {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
}

/// The consent form: the parameters again, and the answer.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(flatten)]
    params: Params,
    decision: Option<String>,
}

/// A request whose client and redirect URI are known good.
struct Checked {
    client: Client,
    redirect_uri: String,
    challenge: String,
    params: Params,
}

#[derive(Serialize)]
struct ConsentPage<'a> {
    client_name: &'a str,
    params: &'a Params,
    csrf_token: &'a str,
}

pub async fn show(
    Viewer(viewer): Viewer,
    context: RequestAuth,
    State(themes): State<Themes>,
    view: PageView,
    uri: Uri,
    mut tx: TenantTx,
    ApiQuery(params): ApiQuery<Params>,
) -> Result<Response, AppError> {
    let checked = match check(&mut tx, params).await? {
        Ok(checked) => checked,
        Err(redirect) => return Ok(redirect),
    };
    if viewer.as_ref().and_then(|p| p.session()).is_none() {
        // The whole request comes back after signing in, query included.
        let next = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        return Ok(Redirect::to(&format!("/accounts/login/?next={next}")).into_response());
    }
    let page = ConsentPage {
        client_name: &checked.client.name,
        params: &checked.params,
        csrf_token: context.csrf.value(),
    };
    let html = themes
        .render(&tx, &view, "oauth_consent.html", &page)
        .await?;
    let csp = consent_csp(&checked.redirect_uri);
    Ok((
        [(header::CONTENT_SECURITY_POLICY, csp)],
        axum::response::Html(html),
    )
        .into_response())
}

/// The site's policy, with the client's redirect target allowed as the
/// destination of the consent form's redirect (browsers apply
/// `form-action` to it).
fn consent_csp(redirect_uri: &str) -> String {
    let target = match url::Url::parse(redirect_uri) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url.origin().ascii_serialization(),
        Ok(url) => format!("{}:", url.scheme()),
        Err(_) => String::new(),
    };
    format!(
        "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self' {target}"
    )
}

pub async fn answer(
    SignedIn(me): SignedIn,
    context: RequestAuth,
    mut tx: TenantTx,
    body: Bytes,
) -> Result<Response, AppError> {
    let answer: Answer = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
    let checked = match check(&mut tx, answer.params).await? {
        Ok(checked) => checked,
        Err(redirect) => return Ok(redirect),
    };
    let state = checked.params.state.as_deref();
    if answer.decision.as_deref() != Some("allow") {
        return Ok(back_to(
            &checked.redirect_uri,
            "error",
            "access_denied",
            state,
        ));
    }
    let scope = checked.params.scope.as_deref().unwrap_or_default();
    let grant = Grant {
        client: checked.client.id,
        account_id: me.account_id,
        redirect_uri: &checked.redirect_uri,
        code_challenge: &checked.challenge,
        scope,
    };
    let code = clients::issue_code(&mut tx, &grant).await?;
    let entry = Entry::new("oauth.authorized")
        .by(me.account_id)
        .on(me.account_id)
        .from(context.client_ip)
        .with(json!({ "client": checked.client.client_id }));
    audit::record(&mut tx, entry).await?;
    Ok(back_to(&checked.redirect_uri, "code", &code, state))
}

/// Checks the client and redirect URI (an error page if either is wrong),
/// then the rest (an error sent back to the client).
async fn check(tx: &mut TenantTx, params: Params) -> Result<Result<Checked, Response>, AppError> {
    let client_id = params.client_id.as_deref().unwrap_or_default();
    let Some(client) = clients::find(tx, client_id).await? else {
        return Err(AppError::BadRequest(
            "unknown application (client_id)".into(),
        ));
    };
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if !client.allows_redirect(&redirect_uri) {
        return Err(AppError::BadRequest(
            "this redirect_uri is not registered for the application".into(),
        ));
    }
    let state = params.state.as_deref();
    if params.response_type.as_deref() != Some("code") {
        let error = back_to(&redirect_uri, "error", "unsupported_response_type", state);
        return Ok(Err(error));
    }
    let challenge = params.code_challenge.clone().unwrap_or_default();
    if params.code_challenge_method.as_deref() != Some("S256") || !super::is_challenge(&challenge) {
        let error = back_to(&redirect_uri, "error", "invalid_request", state);
        return Ok(Err(error));
    }
    Ok(Ok(Checked {
        client,
        redirect_uri,
        challenge,
        params,
    }))
}

/// A redirect to the client's registered URI with `name=value` and `state`.
fn back_to(redirect_uri: &str, name: &str, value: &str, state: Option<&str>) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return AppError::BadRequest("the registered redirect_uri is not a URL".into())
            .into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair(name, value);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    Redirect::to(url.as_str()).into_response()
}
