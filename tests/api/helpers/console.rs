//! A cookie-keeping client of the platform host (the operators' console),
//! and operators made for tests: signed in through the real pages, second
//! factor included.

use std::collections::BTreeMap;

use reqwest::header::{COOKIE, HOST, LOCATION, SET_COOKIE};
use tessera::auth::csrf::CsrfToken;
use tessera::auth::{Keys, Realm, secret};
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::audit::Actor;

use super::TestApp;
use super::browser::Page;

pub const HOST_NAME: &str = "admin.localhost";
pub const SESSION: &str = "__Host-tessera-op";
const VISITOR: &str = "__Host-tessera-op-v";
pub const PASSWORD: &str = "console des opérateurs 2026";

pub struct Console<'a> {
    pub app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    keys: Keys,
}

impl<'a> Console<'a> {
    pub async fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
            keys: Keys::load(app.pool()).await.expect("signing key"),
        }
    }

    pub fn session(&self) -> Option<&String> {
        self.cookies.get(SESSION)
    }

    fn csrf(&mut self) -> String {
        let binding = match (self.cookies.get(SESSION), self.cookies.get(VISITOR)) {
            (Some(session), _) => session.clone(),
            (None, Some(visitor)) => visitor.clone(),
            (None, None) => {
                let visitor = secret::generate();
                self.cookies.insert(VISITOR.into(), visitor.clone());
                visitor
            }
        };
        CsrfToken::in_realm(&self.keys, Realm::Platform, Some(binding))
            .value()
            .to_owned()
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.app.http.get(format!("http://{}{path}", self.app.addr));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        let url = format!("http://{}{path}", self.app.addr);
        let request = self.app.http.post(url).form(&form);
        self.send(request).await
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request.header(HOST, HOST_NAME);
        if !self.cookies.is_empty() {
            let header = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(COOKIE, header);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for cookie in &set_cookies {
            let Some((name, rest)) = cookie.split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default().to_owned();
            if cookie.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value);
            }
        }
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            location,
            content_type,
            body,
            set_cookies,
        }
    }
}

/// Creates an operator with `PASSWORD`.
pub async fn create_operator(app: &TestApp, email: &str, role: OperatorRole) -> i64 {
    app.state
        .operators
        .create(email, "", role, Some(PASSWORD), &Actor::from("test"))
        .await
        .expect("operator created")
        .id
}

/// The text between `start` and `end` in `body`.
pub fn between<'b>(body: &'b str, start: &str, end: &str) -> &'b str {
    let from = body.find(start).expect("start marker") + start.len();
    let rest = &body[from..];
    &rest[..rest.find(end).expect("end marker")]
}

/// Signs a new operator in through the pages: password, enrolment of the
/// second factor. Returns the console and the TOTP secret.
pub async fn signed_in_operator<'a>(
    app: &'a TestApp,
    role: OperatorRole,
) -> (Console<'a>, String, String) {
    let email = format!("op-{}@example.org", secret::generate()[..8].to_lowercase());
    create_operator(app, &email, role).await;
    let mut console = Console::new(app).await;
    let page = console
        .post("/login", &[("email", &email), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = console.get("/login/enrol").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let secret = between(&page.body, "id=\"totp-secret\">", "</code>").to_owned();
    let code = crate::account_flow::code(&secret, 0);
    let page = console.post("/login/enrol", &[("code", &code)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    (console, secret, email)
}
