//! `Form<T>`: an urlencoded form whose rejection is one of our errors (a
//! clear 400/415 in the page or problem format), never axum's plain text.
//! Form structs give every field a default, so a missing field reaches the
//! handler's validation and gets a message next to it.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::BadRequest(
                format!("the form could not be read: {}", rejection.body_text()).into(),
            )),
        }
    }
}
