//! A cookie-keeping HTTP client for one tenant host, as a browser without
//! JavaScript uses the portal: it follows no redirects by itself, keeps the
//! cookies it is given, and puts the page's CSRF token in every form.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::header::{COOKIE, HOST, LOCATION, SET_COOKIE};
use tessera::accounts::model::Status;
use tessera::accounts::store::{self, NewAccount};
use tessera::auth::csrf::CsrfToken;
use tessera::auth::session::{self, NewSession, Stage};
use tessera::auth::{Keys, Role, secret};
use tessera::model::Email;
use tessera::tenancy::Tenant;

use super::TestApp;

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
    pub set_cookies: Vec<String>,
}

pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub host: String,
    pub tenant: Arc<Tenant>,
    pub cookies: BTreeMap<String, String>,
    keys: Keys,
}

impl<'a> Browser<'a> {
    /// A first-time visitor of `tenant`'s default host.
    pub async fn new(app: &'a TestApp, tenant: &Arc<Tenant>) -> Self {
        let keys = Keys::load(app.pool()).await.expect("signing key");
        Self {
            app,
            host: tenant.default_host.to_string(),
            tenant: tenant.clone(),
            cookies: BTreeMap::new(),
            keys,
        }
    }

    /// A visitor holding a session opened directly in the database.
    pub async fn signed_in_as(
        app: &'a TestApp,
        tenant: &Arc<Tenant>,
        account_id: i64,
        role: Role,
    ) -> Self {
        let mut browser = Self::new(app, tenant).await;
        let mut tx = app.tenant_tx(tenant).await;
        let id = session::start(
            &mut tx,
            NewSession {
                account_id,
                role,
                stage: Stage::Full,
                user_agent: Some("test"),
                ip: None,
            },
        )
        .await
        .expect("session");
        tx.commit().await.expect("commit");
        browser.cookies.insert("__Host-session".into(), id);
        browser
    }

    /// The CSRF token the server expects from this browser now.
    pub fn csrf(&mut self) -> String {
        let binding = match (
            self.cookies.get("__Host-session"),
            self.cookies.get("__Host-visitor"),
        ) {
            (Some(session), _) => session.clone(),
            (None, Some(visitor)) => visitor.clone(),
            (None, None) => {
                let visitor = secret::generate();
                self.cookies
                    .insert("__Host-visitor".into(), visitor.clone());
                visitor
            }
        };
        CsrfToken::new(&self.keys, self.tenant.id, Some(binding))
            .value()
            .to_owned()
    }

    pub fn session(&self) -> Option<&String> {
        self.cookies.get("__Host-session")
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.app.http.get(self.url(path));
        self.send(request).await
    }

    /// POSTs a form with this browser's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        let request = self.app.http.post(self.url(path)).form(&form);
        self.send(request).await
    }

    /// POSTs a form exactly as given (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self.app.http.post(self.url(path)).form(fields);
        self.send(request).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.app.addr)
    }

    pub async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request.header(HOST, &self.host);
        if !self.cookies.is_empty() {
            request = request.header(COOKIE, self.cookie_header());
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for cookie in &set_cookies {
            self.keep(cookie);
        }
        let body = response.text().await.expect("body");
        Page {
            status,
            location,
            content_type,
            body,
            set_cookies,
        }
    }

    fn keep(&mut self, set_cookie: &str) {
        let Some((name, rest)) = set_cookie.split_once('=') else {
            return;
        };
        let value = rest.split(';').next().unwrap_or_default().to_owned();
        let expired = set_cookie.contains("Max-Age=0") || value.is_empty();
        if expired {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_owned(), value);
        }
    }
}

/// An active account with a verified address, straight into the database.
pub async fn create_account(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    email: &str,
    password: &str,
    role: Role,
) -> i64 {
    let hash = app.state.auth.passwords.hash(password).await.expect("hash");
    let email = Email::parse(email).expect("email");
    let mut tx = app.tenant_tx(tenant).await;
    let id = store::create(
        &mut tx,
        NewAccount {
            email: &email,
            display_name: "Test Person",
            role,
            status: Status::Active,
            password_hash: Some(&hash),
            locale: None,
            email_verified: true,
        },
    )
    .await
    .expect("account");
    tx.commit().await.expect("commit");
    id
}
