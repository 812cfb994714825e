//! Messages between the server and a render worker: a 4-byte big-endian
//! length, then JSON.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use crate::model::TenantId;
use serde::{Deserialize, Serialize};

/// Frames larger than this are refused (a page is at most 1 MiB).
pub const MAX_FRAME: usize = 8 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
pub struct Job {
    pub tenant_id: TenantId,
    /// Identifies the tenant's template set; the worker keeps compiled sets.
    pub version: u64,
    pub theme: String,
    /// The server's [`ThemeEnv::build`](crate::themes::env::ThemeEnv::build)
    /// of `theme`: a worker with another copy of the theme must not render.
    pub theme_build: u64,
    /// Sent when the worker has not seen this `version` yet.
    pub templates: Option<BTreeMap<String, String>>,
    pub template: String,
    pub context: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Html(String),
    /// The worker does not hold this template set: send it again with templates.
    NeedTemplates,
    /// The worker's copy of the theme differs from the server's (the themes
    /// were reloaded since it started): use a fresh worker.
    StaleTheme,
    /// The tenant's templates failed to compile or render.
    Error(String),
}

pub fn encode<T: Serialize>(message: &T) -> io::Result<Vec<u8>> {
    let body = serde_json::to_vec(message).map_err(io::Error::other)?;
    if body.len() > MAX_FRAME {
        return Err(io::Error::other("message too large"));
    }
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

pub fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> io::Result<T> {
    serde_json::from_slice(body).map_err(io::Error::other)
}

/// Reads one frame's body (blocking; used by the worker).
pub fn read_frame(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut length = [0u8; 4];
    reader.read_exact(&mut length)?;
    let length = u32::from_be_bytes(length) as usize;
    if length > MAX_FRAME {
        return Err(io::Error::other("frame too large"));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(body)
}

pub fn write_frame<T: Serialize>(writer: &mut impl Write, message: &T) -> io::Result<()> {
    writer.write_all(&encode(message)?)?;
    writer.flush()
}
