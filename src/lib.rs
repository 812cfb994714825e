//! Tessera: one server hosting many associations' branded contribution portals.
//!
//! Start reading at [`app`] (how a request is served) and [`tenancy`] (how a
//! request finds its association). Each capability is one module:
//!
//! - [`config`], [`telemetry`], [`error`], [`state`], [`app`]: the frame.
//! - [`db`]: pools, the embedded PostgreSQL, `TenantTx`, migrations.
//! - [`tenancy`]: hosts, tenants, provisioning, manifests, the warm pool.
//! - [`themes`]: templates, branding, translations.
//! - [`web`]: health, metrics, error bodies, middleware.
//! - [`auth`], [`audit`]: who is asking and what they may do; what was done.
//! - [`jobs`], [`mail`]: the durable job queue, and themed mail sent by it.
//! - [`portability`]: a tenant's export and import, and the purge of deleted ones.
//! - [`portal`], [`announcements`], [`accounts`]: what members see.
//! - [`notifications`]: who hears about what (in-app, mail, Web Push).
//! - [`contributions`], [`projects`]: what they pay, and what the association
//!   raises money or volunteers for.
//! - [`documents`]: files in folders, each public, for members or for staff.
//! - [`affiliation`]: referral programmes (links, commissions, payouts), for
//!   associations and for the platform; [`sepa`]: SEPA bank files.
//! - [`direct_debit`], [`card_payments`] (through [`stripe`]), [`tax_receipts`]:
//!   SEPA debits, card payments and gifts, and French tax receipts.
//! - [`webhooks`]: signed events POSTed to an association's own endpoints.
//! - [`reporting`]: dashboards, live figures ([`live`]), reports and exports,
//!   the accounting journal, platform figures and federations.
//! - [`platform`]: the operators' console and the white-label API.
//! - [`seed`]: demo content; [`bench`]: the benchmark data set and workloads.
//! - [`cli`]: the `tessera` command.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod accounts;
pub mod affiliation;
pub mod announcements;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod card_payments;
pub mod charts;
pub mod cli;
pub mod config;
pub mod contributions;
pub mod crypto;
pub mod db;
pub mod direct_debit;
pub mod documents;
pub mod domains;
pub mod error;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod manifest;
pub mod model;
pub mod notifications;
pub mod platform;
pub mod portability;
pub mod portal;
pub mod privacy;
pub mod projects;
pub mod pwa;
pub mod reporting;
pub mod seed;
pub mod sepa;
pub mod state;
pub mod storage;
pub mod stripe;
pub mod tabular;
pub mod tax_receipts;
pub mod telemetry;
pub mod tenancy;
pub mod themes;
pub mod tls;
pub mod typeset;
pub mod web;
pub mod webhooks;
