//! Self-service sign-up on the platform host: an association fills in its
//! name, slug (checked as it types, or with a button without JavaScript),
//! administrator's address, theme and colours; it confirms the address
//! from a mail, and its portal is created then, on `<slug>.<base domain>`,
//! with the administrator's invitation to choose a password. Abuse is held
//! back by per-address and per-mailbox limits, reserved and look-alike
//! slugs, a honeypot field, and no tenant before the address is confirmed.

pub mod pages;
mod store;

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{Duration, Utc};
use serde::Serialize;

use super::tenants::{Created, TenantBody, Tenants};
use crate::auth::secret;
use crate::config::HttpConfig;
use crate::db::Platform;
use crate::error::AppError;
use crate::mail::QueuedMail;
use crate::model::{Branding, Colour, Email, Hostname, Slug};
use crate::tenancy::audit::Actor;
use store::{Clash, NewRequest};

/// How long a confirmation link stays valid.
const LINK_VALID: Duration = Duration::hours(24);
/// Requests allowed per client address, and per mailbox, in `WINDOW_HOURS`.
const PER_ADDRESS: i64 = 5;
const PER_MAILBOX: i64 = 3;
const WINDOW_HOURS: i32 = 1;

/// What a slug check says.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Availability {
    Available { host: String },
    Taken,
    Reserved,
    LookAlike,
    Invalid,
}

/// What the form sent, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct SignupForm {
    pub name: String,
    pub slug: String,
    pub email: String,
    pub theme: String,
    pub primary: String,
    pub accent: String,
    pub accept: Option<String>,
    /// A field people never see: bots fill it in.
    pub website: String,
    /// A partner's referral code (optional).
    pub referral_code: String,
}

/// The fields refused, each with a translation key.
pub type Refusals = Vec<(&'static str, &'static str)>;

/// A confirmed sign-up: where the portal is, and the administrator's link.
#[derive(Debug, Clone, Serialize)]
pub struct Live {
    pub host: String,
    pub url: String,
    pub invitation_link: Option<String>,
}

#[derive(Clone)]
pub struct Signups {
    pool: Platform,
    tenants: Tenants,
    http: Arc<HttpConfig>,
    base_domain: Hostname,
    platform_host: Hostname,
}

impl Signups {
    pub fn new(pool: Platform, tenants: Tenants, http: HttpConfig, hosts: [Hostname; 2]) -> Self {
        let [platform_host, base_domain] = hosts;
        Self {
            pool,
            tenants,
            http: Arc::new(http),
            base_domain,
            platform_host,
        }
    }

    pub fn theme_names(&self) -> Vec<String> {
        self.tenants.theme_names()
    }

    /// Whether a new portal may take `raw` as its slug.
    pub async fn availability(&self, raw: &str) -> Result<Availability, AppError> {
        let slug = match Slug::parse(raw.trim()) {
            Ok(slug) if slug.looks_reserved() => return Ok(Availability::Reserved),
            Ok(slug) => slug,
            Err(crate::model::SlugError::Reserved(_)) => return Ok(Availability::Reserved),
            Err(_) => return Ok(Availability::Invalid),
        };
        let mut conn = self.pool.acquire().await?;
        Ok(match store::slug_clash(&mut conn, &slug).await? {
            Clash::Taken => Availability::Taken,
            Clash::LookAlike => Availability::LookAlike,
            Clash::None => Availability::Available {
                host: format!("{slug}.{}", self.base_domain),
            },
        })
    }

    /// Records the request and mails the confirmation link. `Ok(Err(_))`:
    /// the fields to correct. A honeypot hit looks accepted and does nothing.
    pub async fn submit(
        &self,
        form: &SignupForm,
        ip: Option<IpAddr>,
        locale: &str,
        referral: Option<serde_json::Value>,
    ) -> Result<Result<(), Refusals>, AppError> {
        let (email, brand, slug) = match self.check(form).await? {
            Ok(checked) => checked,
            Err(refusals) => return Ok(Err(refusals)),
        };
        let code = form.referral_code.trim();
        if !code.is_empty() && !crate::affiliation::platform::known_code(&self.pool, code).await? {
            return Ok(Err(vec![("referral_code", "newportal-unknown-code")]));
        }
        if !form.website.is_empty() {
            tracing::info!(?ip, "sign-up honeypot filled in: ignored");
            return Ok(Ok(()));
        }
        let mut tx = self.pool.begin().await?;
        let (by_ip, by_email) = store::recent(&mut tx, ip, email.as_str(), WINDOW_HOURS).await?;
        if by_ip >= PER_ADDRESS || by_email >= PER_MAILBOX {
            return Err(AppError::TooManyRequests(3600));
        }
        let token = secret::generate();
        let request = NewRequest {
            slug: &slug,
            name: form.name.trim(),
            email: email.as_str(),
            locale,
            theme: &form.theme,
            brand: serde_json::to_value(&brand)
                .map_err(|e| AppError::Internal(e.to_string().into()))?,
            token_hash: &secret::digest(&token),
            ip,
            expires_at: Utc::now() + LINK_VALID,
            referral,
        };
        let id = store::insert(&mut tx, &request).await?;
        let link = self.http.tenant_link(
            self.platform_host.as_str(),
            &format!("/signup/confirm/{token}"),
        );
        let mail = QueuedMail {
            to: email.clone(),
            to_name: None,
            template: "signup-confirm".into(),
            locale: locale.to_owned(),
            data: serde_json::json!({ "link": link, "association": request.name, "slug": slug.as_str() }),
        };
        crate::mail::platform::queue(&mut tx, &mail, &format!("signup:{id}")).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn check(
        &self,
        form: &SignupForm,
    ) -> Result<Result<(Email, Branding, Slug), Refusals>, AppError> {
        let mut refusals: Refusals = Vec::new();
        let name = form.name.trim();
        if name.chars().count() < 2 || name.chars().count() > 200 {
            refusals.push(("name", "newportal-error-name"));
        }
        let slug = match self.availability(&form.slug).await? {
            Availability::Available { .. } => Slug::parse(form.slug.trim()).ok(),
            other => {
                refusals.push(("slug", availability_key(&other)));
                None
            }
        };
        let email = Email::parse(form.email.trim()).ok();
        if email.is_none() {
            refusals.push(("email", "newportal-error-email"));
        }
        if !self.tenants.theme_names().contains(&form.theme) {
            refusals.push(("theme", "newportal-error-theme"));
        }
        let mut brand = Branding::default();
        for (field, raw, slot) in [
            ("primary", &form.primary, &mut brand.primary),
            ("accent", &form.accent, &mut brand.accent),
        ] {
            match raw.trim() {
                "" => {}
                text => match Colour::parse(text) {
                    Ok(colour) => *slot = Some(colour),
                    Err(_) => refusals.push((field, "newportal-error-colour")),
                },
            }
        }
        if brand.validate().is_err() {
            refusals.push(("primary", "newportal-error-contrast"));
        }
        if form.accept.is_none() {
            refusals.push(("accept", "newportal-error-accept"));
        }
        Ok(match (refusals.is_empty(), email, slug) {
            (true, Some(email), Some(slug)) => Ok((email, brand, slug)),
            _ => Err(refusals),
        })
    }

    /// The request behind a confirmation link, if it can still be confirmed.
    pub async fn pending(&self, token: &str) -> Result<Option<(String, String)>, AppError> {
        let mut tx = self.pool.begin().await?;
        let request = store::by_token(&mut tx, &secret::digest(token)).await?;
        Ok(request
            .filter(|r| r.confirmed_at.is_none() && r.expires_at > Utc::now())
            .map(|r| (r.name, format!("{}.{}", r.slug, self.base_domain))))
    }

    /// Creates the portal of a confirmed request (once: a second click
    /// shows the same portal). `None`: no such request, or it expired.
    pub async fn confirm(&self, token: &str, ip: Option<IpAddr>) -> Result<Option<Live>, AppError> {
        let mut tx = self.pool.begin().await?;
        let Some(request) = store::by_token(&mut tx, &secret::digest(token)).await? else {
            return Ok(None);
        };
        let host = format!("{}.{}", request.slug, self.base_domain);
        let url = self.http.tenant_link(&host, "/");
        if request.confirmed_at.is_some() {
            return Ok(Some(Live {
                host,
                url,
                invitation_link: None,
            }));
        }
        if request.expires_at <= Utc::now() {
            return Ok(None);
        }
        let body = TenantBody {
            slug: request.slug.clone(),
            name: request.name.clone(),
            locale: request.locale.clone(),
            theme: request.theme.clone(),
            brand: serde_json::from_value(request.brand.clone()).unwrap_or_default(),
            domains: Vec::new(),
            admin_email: Some(request.email.clone()),
        };
        let actor = Actor {
            label: format!("signup:{}", request.email),
            operator_id: None,
            via: "signup",
            ip,
        };
        let created: Created = self.tenants.create(&body, &actor).await?;
        store::mark_confirmed(&mut tx, request.id, crate::model::TenantId::new(created.id)).await?;
        tx.commit().await?;
        // The partner who brought the association, if any, is credited.
        let brought = request.referral.as_ref();
        crate::affiliation::platform::signup_confirmed(
            &self.pool,
            created.id,
            &request.name,
            &request.email,
            brought,
            ip,
        )
        .await;
        Ok(Some(Live {
            host,
            url,
            invitation_link: created.admin_invitation_link,
        }))
    }
}

/// The message key of an unavailable slug.
pub fn availability_key(availability: &Availability) -> &'static str {
    match availability {
        Availability::Available { .. } => "newportal-slug-available",
        Availability::Taken => "newportal-slug-taken",
        Availability::Reserved => "newportal-slug-reserved",
        Availability::LookAlike => "newportal-slug-lookalike",
        Availability::Invalid => "newportal-slug-invalid",
    }
}
