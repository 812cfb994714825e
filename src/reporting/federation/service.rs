//! `Federations`: what reporting's handlers reach the platform's tables
//! through (published figures, federation links, shared lists). Built per
//! request from the platform handle, like `platform::ops::Ops`; the handle
//! stays inside `reporting`, and every read a tenant makes through it is
//! narrowed to that tenant's own links.

use crate::db::Platform;

#[derive(Clone)]
pub struct Federations {
    platform: Platform,
}

impl Federations {
    pub fn new(platform: Platform) -> Self {
        Self { platform }
    }

    pub(in crate::reporting) fn platform(&self) -> &Platform {
        &self.platform
    }
}
