//! `tessera render-worker`: renders tenants' own (untrusted) templates in a
//! separate process with no environment, no database, capped memory and no
//! file writes. The server kills it when a render takes too long; a crash or
//! a memory bomb only ever takes this process down.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::sync::Arc;

use tera::{Context, Tera};

use super::protocol::{self, Job, Reply};
use crate::themes::env::ThemeEnv;
use crate::themes::{Themes, filters};

/// Compiled tenant template sets kept between jobs.
const KEPT_SETS: usize = 64;
/// Address space the worker may use.
const MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;

pub fn run(themes_dir: &Path) -> anyhow::Result<()> {
    limit_resources()?;
    let themes = Themes::load(themes_dir, false, None)?;
    let mut sets: HashMap<(i64, u64), Arc<Tera>> = HashMap::new();
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

fn handle(themes: &Themes, sets: &mut HashMap<(i64, u64), Arc<Tera>>, job: Job) -> Reply {
    let key = (job.tenant_id, job.version);
    let tera = match (sets.get(&key), job.templates) {
        (Some(tera), _) => tera.clone(),
        (None, None) => return Reply::NeedTemplates,
        (None, Some(templates)) => {
            let env = themes.env(&job.theme);
            match compile(&env, &templates) {
                Ok(tera) => {
                    if sets.len() >= KEPT_SETS {
                        sets.clear();
                    }
                    let tera = Arc::new(tera);
                    sets.insert(key, tera.clone());
                    tera
                }
                Err(e) => return Reply::Error(e.to_string()),
            }
        }
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

fn limit_resources() -> anyhow::Result<()> {
    use nix::sys::resource::{Resource, setrlimit};
    setrlimit(Resource::RLIMIT_AS, MEMORY_LIMIT, MEMORY_LIMIT)?;
    // No file may be written, no core dumped.
    setrlimit(Resource::RLIMIT_FSIZE, 0, 0)?;
    setrlimit(Resource::RLIMIT_CORE, 0, 0)?;
    Ok(())
}
