//! Projects: what the association raises money or volunteers for. Staff
//! write a project (Markdown description, optional goal and deadline,
//! public or members-only), open, close or archive it, post dated updates
//! and moderate members' comments (hide, delete, lock); members comment
//! and sign up as volunteers. Its gauge is fed by the contributions
//! module's payments earmarked for it (`contributions::earmarks`): this
//! module reads what was raised, it never keeps money of its own. Owns the
//! `projects`, `project_updates`, `project_comments` and
//! `project_volunteers` tables and the `earmark_targets` view
//! (`migrations/tenant/0013_projects.sql`).
//!
//! `model` is what a project is (`slug` its address, `error` why a request
//! is refused), `store` its SQL, `read` what a reader may see, `view` what
//! pages and the API show; `comments`, `updates` and `volunteers` hold
//! their rules and SQL; `write` and `actions` what staff change (audited).
//! Pages: `pages` (readers), `member` (members' forms), `editor` (with the
//! form as typed in `editor_form`), `moderation` and `staff_volunteers`
//! (staff); the API is `api` and `api_social`.

mod actions;
pub mod api;
mod api_social;
pub mod comments;
mod editor;
mod editor_form;
pub mod error;
pub mod figures;
mod member;
pub mod model;
mod moderation;
mod pages;
pub mod read;
pub mod slug;
mod staff_volunteers;
pub mod store;
pub mod updates;
pub mod view;
pub mod volunteers;
pub mod write;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

pub use actions::Actor;
pub use model::{Draft, Project, Status, Visibility};

use crate::themes::Themes;

/// Readers' pages, members' forms and the staff's pages.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    let staff = "/staff/projects/{id}";
    Router::new()
        .route("/projects", get(pages::list))
        .route("/projects/", get(pages::list))
        .route("/projects/{id}", get(pages::show))
        .route("/projects/{id}/comments", post(member::comment))
        .route(
            "/projects/{id}/comments/{comment}/delete",
            post(member::delete_comment),
        )
        .route("/projects/{id}/volunteer", post(member::volunteer))
        .route("/projects/{id}/volunteer/withdraw", post(member::withdraw))
        .route("/staff/projects", get(editor::list))
        .route(
            "/staff/projects/new",
            get(editor::new_form).post(editor::create),
        )
        .route(staff, get(editor::edit_form).post(editor::update))
        .route("/staff/projects/{id}/{action}", post(editor::act))
        .route(
            "/staff/projects/{id}/updates",
            post(moderation::post_update),
        )
        .route(
            "/staff/projects/{id}/updates/{update}/delete",
            post(moderation::delete_update),
        )
        .route("/staff/projects/{id}/comments", get(moderation::comments))
        .route(
            "/staff/projects/{id}/comments/{comment}/{action}",
            post(moderation::moderate),
        )
        .route(
            "/staff/projects/{id}/volunteers",
            get(staff_volunteers::list),
        )
        .route(
            "/staff/projects/{id}/volunteers.csv",
            get(staff_volunteers::csv),
        )
        .route(
            "/staff/projects/{id}/volunteers/{account}/remove",
            post(staff_volunteers::remove),
        )
}
