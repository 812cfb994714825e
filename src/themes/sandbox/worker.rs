//! `tessera render-worker`: renders tenants' own (untrusted) templates in a
//! separate process with no environment, no database, no network, another
//! user than the server's when it runs as root, capped memory, CPU time and
//! descriptors, and no file writes (see [`confine`](super::confine)). The
//! server kills it when a render takes too long and it dies with the server;
//! a crash or a memory bomb only ever takes this process down.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::sync::Arc;

use tera::{Context, Tera};

use super::confine;
use super::protocol::{self, Job, Reply};
use crate::model::TenantId;
use crate::themes::env::ThemeEnv;
use crate::themes::{Themes, filters};

/// Compiled tenant template sets kept between jobs.
const KEPT_SETS: usize = 64;

/// The worker's life: confine itself, then answer jobs until stdin closes.
/// Call it before starting any thread (see `main`).
pub fn run(themes_dir: &Path) -> anyhow::Result<()> {
    confine::watch_parent()?;
    let themes = Themes::load(themes_dir, false, None)?;
    confine::drop_privileges()?;
    let mut sets = Sets::default();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    loop {
        let body = match protocol::read_frame(&mut input) {
            Ok(body) => body,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let reply = match protocol::decode::<Job>(&body) {
            Ok(job) => handle(&themes, &mut sets, job),
            Err(e) => Reply::Error(format!("bad job: {e}")),
        };
        protocol::write_frame(&mut output, &reply)?;
    }
}

/// A compiled set: the tenant's templates (by version) over one theme.
type SetKey = (TenantId, u64, String);

/// The compiled sets, least recently used dropped first: a tenant cycling
/// through versions only pushes out sets nobody used since.
#[derive(Default)]
struct Sets {
    entries: HashMap<SetKey, (u64, Arc<Tera>)>,
    clock: u64,
}

impl Sets {
    fn get(&mut self, key: &SetKey) -> Option<Arc<Tera>> {
        self.clock += 1;
        let (used, tera) = self.entries.get_mut(key)?;
        *used = self.clock;
        Some(tera.clone())
    }

    fn insert(&mut self, key: SetKey, tera: Arc<Tera>) {
        if self.entries.len() >= KEPT_SETS {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.clock += 1;
        self.entries.insert(key, (self.clock, tera));
    }
}

fn handle(themes: &Themes, sets: &mut Sets, job: Job) -> Reply {
    let env = themes.env(&job.theme);
    if env.build != job.theme_build {
        return Reply::StaleTheme;
    }
    let key = (job.tenant_id, job.version, job.theme);
    let tera = match (sets.get(&key), job.templates) {
        (Some(tera), _) => tera.clone(),
        (None, None) => return Reply::NeedTemplates,
        (None, Some(templates)) => match compile(&env, &templates) {
            Ok(tera) => {
                let tera = Arc::new(tera);
                sets.insert(key, tera.clone());
                tera
            }
            Err(e) => return Reply::Error(super::describe(&e)),
        },
    };
    let context = match Context::from_serialize(&job.context) {
        Ok(context) => context,
        Err(e) => return Reply::Error(e.to_string()),
    };
    match filters::render_bounded(&tera, &job.template, &context) {
        Ok(html) => Reply::Html(html),
        Err(e) => Reply::Error(super::describe(&e)),
    }
}

/// The theme's environment plus the tenant's templates (which win).
pub fn compile(
    env: &ThemeEnv,
    templates: &std::collections::BTreeMap<String, String>,
) -> tera::TeraResult<Tera> {
    let mut tera = env.tera.clone();
    tera.add_raw_templates(templates.iter().map(|(n, s)| (n.as_str(), s.as_str())))?;
    Ok(tera)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_set_goes_first() {
        let mut sets = Sets::default();
        let key = |n: i64| (TenantId::new(n), 0, "default".to_owned());
        for n in 0..KEPT_SETS as i64 {
            sets.insert(key(n), Arc::new(Tera::default()));
        }
        assert!(sets.get(&key(0)).is_some());
        sets.insert(key(1000), Arc::new(Tera::default()));
        assert!(sets.get(&key(0)).is_some(), "recently used: kept");
        assert!(sets.get(&key(1)).is_none(), "least recently used: dropped");
        assert_eq!(sets.entries.len(), KEPT_SETS);
    }
}
