//! A private PostgreSQL cluster run from the installed server binaries, for
//! `tessera demo`, for any command when `DATABASE_URL` is unset, and for tests.
//!
//! The cluster lives in `<data dir>/pg`, listens on a free loopback port only,
//! and requires passwords generated at `initdb` time, readable by the
//! invoking user only. The application connects as `tessera`, which may
//! create databases and roles but is not a superuser (password in
//! `<data dir>/pg-password`); the bootstrap superuser `postgres` (password in
//! `<data dir>/pg-superuser-password`) is only used to create that role and
//! by tests. When the invoking user is root, PostgreSQL refuses to run, so the
//! server binaries run as the unprivileged `postgres` system user.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::PgConnectOptions;

/// What can go wrong while preparing or running the private cluster.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under \
         /usr/lib/postgresql/*/bin; install them (Debian/Ubuntu: `apt-get install postgresql`) \
         or set DATABASE_URL to an existing database"
    )]
    BinariesMissing,
    #[error(
        "running as root needs the `postgres` system user to own the cluster; \
         install PostgreSQL from your distribution (it creates that user) or run as a normal user"
    )]
    NoPostgresUser,
    #[error("{step} failed: {detail}")]
    Command { step: &'static str, detail: String },
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Extra `postgres -c name=value` settings; tests use them to trade
/// durability for speed and to load `pg_stat_statements`.
pub type Settings = Vec<(String, String)>;

/// A running private cluster. Call [`EmbeddedPostgres::stop`] when done; it
/// only stops the server if this process started it.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    pg_dir: PathBuf,
    port: u16,
    password: SecretString,
    superuser: Superuser,
    run_as: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    started_here: bool,
}

/// The role the application connects as.
const OWNER: &str = "tessera";

/// The cluster's bootstrap superuser.
#[derive(Debug)]
struct Superuser {
    name: &'static str,
    password: SecretString,
}

impl EmbeddedPostgres {
    /// Starts (creating on first use) the cluster under `data_dir`, or joins
    /// it when another process already runs it.
    pub fn start(data_dir: &Path, settings: &Settings) -> Result<Self, EmbeddedError> {
        let bin_dir = find_bin_dir().ok_or(EmbeddedError::BinariesMissing)?;
        let run_as = unprivileged_owner()?;
        create_dir(data_dir, 0o755)?;
        let data_dir = fs::canonicalize(data_dir).map_err(|source| EmbeddedError::Io {
            path: data_dir.to_owned(),
            source,
        })?;
        let pg_dir = data_dir.join("pg");
        let password = read_or_create_password(&data_dir.join("pg-password"))?;
        let fresh = !pg_dir.join("PG_VERSION").exists();
        let superuser_file = data_dir.join("pg-superuser-password");
        // Clusters made before the owner role existed have `tessera` as
        // their bootstrap superuser, which cannot be demoted.
        let superuser = match fresh || superuser_file.exists() {
            true => Superuser {
                name: "postgres",
                password: read_or_create_password(&superuser_file)?,
            },
            false => Superuser {
                name: OWNER,
                password: password.clone(),
            },
        };
        let mut cluster = Self {
            bin_dir,
            pg_dir,
            port: 0,
            password,
            superuser,
            run_as,
            started_here: false,
        };
        if fresh {
            cluster.init()?;
        }
        match cluster.running_port() {
            Some(port) => {
                cluster.port = port;
                // A cluster left running by a process that died (kill -9) is
                // adopted, so that someone stops it in the end.
                cluster.started_here = !owner_alive(&cluster.owner_file());
            }
            None => {
                cluster.port = free_port()?;
                cluster.start_server(settings)?;
                cluster.started_here = true;
            }
        }
        if cluster.superuser.name != OWNER {
            cluster.create_owner()?;
        }
        if cluster.started_here {
            let owner = cluster.owner_file();
            fs::write(&owner, std::process::id().to_string()).map_err(|source| {
                EmbeddedError::Io {
                    path: owner,
                    source,
                }
            })?;
        }
        Ok(cluster)
    }

    fn owner_file(&self) -> PathBuf {
        self.pg_dir.with_file_name("pg-owner.pid")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// True when this process started the server (and so will stop it).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Connection options for the cluster's default `postgres` database.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.connect_options_for("postgres")
    }

    /// Options for the application's role (not a superuser) on `database`.
    pub fn connect_options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(OWNER)
            .password(self.password.expose_secret())
            .database(database)
    }

    /// Options for the bootstrap superuser on `database`: for tests and
    /// maintenance, never for the application.
    pub fn admin_options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(self.superuser.name)
            .password(self.superuser.password.expose_secret())
            .database(database)
    }

    /// Restarts the server in place (same port and settings), as an
    /// operator's `pg_ctl restart` does: open connections are cut.
    pub fn restart(&self) -> Result<(), EmbeddedError> {
        // Its log goes to the file, or the new server would hold our pipe.
        let log = self.pg_dir.join("server.log");
        let log = log.to_string_lossy();
        self.pg_ctl(
            "restarting PostgreSQL",
            &["restart", "-m", "fast", "-w", "-t", "60", "-l", &log],
        )
        .map(|_| ())
    }

    /// Stops the server if this process started it; a cluster joined from
    /// another process keeps running for its owner.
    pub fn stop(self) -> Result<(), EmbeddedError> {
        if !self.started_here {
            return Ok(());
        }
        self.pg_ctl(
            "stopping PostgreSQL",
            &["stop", "-m", "fast", "-w", "-t", "60"],
        )?;
        let _ = fs::remove_file(self.owner_file());
        Ok(())
    }

    /// The shell command that stops this cluster, for watchdogs that outlive us.
    pub fn stop_command(&self) -> String {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let base = format!(
            "{} -D {} stop -m immediate -w",
            pg_ctl.display(),
            self.pg_dir.display()
        );
        match self.run_as {
            Some(_) => format!("runuser -u postgres -- {base}"),
            None => base,
        }
    }

    fn init(&self) -> Result<(), EmbeddedError> {
        create_dir(&self.pg_dir, 0o700)?;
        self.hand_over(&self.pg_dir)?;
        // initdb reads the password from a file, readable only by the
        // server's user, removed right after.
        let pwfile = self.pg_dir.with_file_name(".initdb-pw");
        write_private(&pwfile, self.superuser.password.expose_secret())?;
        self.hand_over(&pwfile)?;
        let mut initdb = self.command("initdb");
        initdb
            .arg("-D")
            .arg(&self.pg_dir)
            .args([
                "-U",
                self.superuser.name,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
            ])
            .args(["--locale=C.UTF-8", "--pwfile"])
            .arg(&pwfile);
        let result = self.run("initdb", &mut initdb);
        let _ = fs::remove_file(&pwfile);
        result.map(|_| ()).map_err(|e| self.explain_permissions(e))
    }

    /// Creates the application's role, through `psql` as the superuser. The
    /// statement (it holds the password) goes through stdin, never argv.
    fn create_owner(&self) -> Result<(), EmbeddedError> {
        let sql = format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}') THEN \
             CREATE ROLE {OWNER} LOGIN CREATEDB CREATEROLE PASSWORD '{password}'; END IF; END $$;",
            password = self.password.expose_secret(),
        );
        // Server-only installs put psql elsewhere (Debian: /usr/bin).
        let beside = self.bin_dir.join("psql");
        let mut psql = Command::new(match beside.is_file() {
            true => beside.as_os_str(),
            false => std::ffi::OsStr::new("psql"),
        });
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                self.superuser.name,
                "-d",
                "postgres",
            ])
            .env("PGPASSWORD", self.superuser.password.expose_secret())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let failed = |detail: String| EmbeddedError::Command {
            step: "creating the tessera role",
            detail,
        };
        let mut child = psql.spawn().map_err(|e| failed(format!("psql: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            stdin
                .write_all(sql.as_bytes())
                .map_err(|e| failed(e.to_string()))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| failed(e.to_string()))?;
        match output.status.success() {
            true => Ok(()),
            false => Err(failed(
                String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            )),
        }
    }

    fn start_server(&self, settings: &Settings) -> Result<(), EmbeddedError> {
        let mut options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
            self.port
        );
        for (name, value) in settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
        let mut command = self.command("pg_ctl");
        command
            .arg("-D")
            .arg(&self.pg_dir)
            .args(["start", "-w", "-t", "60", "-o", &options, "-l"])
            .arg(self.pg_dir.join("server.log"));
        self.run("starting PostgreSQL", &mut command)?;
        Ok(())
    }

    /// The port of a server already running on this data directory, if any.
    fn running_port(&self) -> Option<u16> {
        let status = self
            .command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.pg_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        // postmaster.pid: pid, data dir, start time, port, …
        let pid_file = fs::read_to_string(self.pg_dir.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    fn pg_ctl(&self, step: &'static str, args: &[&str]) -> Result<Output, EmbeddedError> {
        let mut command = self.command("pg_ctl");
        command.arg("-D").arg(&self.pg_dir).args(args);
        self.run(step, &mut command)
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.stdin(Stdio::null()).env("LC_ALL", "C.UTF-8");
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid.as_raw()).gid(gid.as_raw()).current_dir("/");
        }
        command
    }

    fn run(&self, step: &'static str, command: &mut Command) -> Result<Output, EmbeddedError> {
        let output = command.output().map_err(|e| EmbeddedError::Command {
            step,
            detail: e.to_string(),
        })?;
        if output.status.success() {
            return Ok(output);
        }
        let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if let Ok(log) = fs::read_to_string(self.pg_dir.join("server.log")) {
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            for line in tail.into_iter().rev() {
                detail.push_str("\n  ");
                detail.push_str(line);
            }
        }
        Err(EmbeddedError::Command { step, detail })
    }

    fn explain_permissions(&self, error: EmbeddedError) -> EmbeddedError {
        match error {
            EmbeddedError::Command { step, detail }
                if self.run_as.is_some() && detail.contains("ermission denied") =>
            {
                EmbeddedError::Command {
                    step,
                    detail: format!(
                        "{detail}\n  (the `postgres` user must be able to enter every parent \
                         directory of {}; choose another --data-dir)",
                        self.pg_dir.display()
                    ),
                }
            }
            other => other,
        }
    }

    fn hand_over(&self, path: &Path) -> Result<(), EmbeddedError> {
        let Some((uid, gid)) = self.run_as else {
            return Ok(());
        };
        nix::unistd::chown(path, Some(uid), Some(gid)).map_err(|e| EmbeddedError::Io {
            path: path.to_owned(),
            source: e.into(),
        })
    }
}

/// `initdb` on PATH, else the newest `/usr/lib/postgresql/<major>/bin`.
fn find_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let major = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                bin.join("initdb").is_file().then_some((major, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    })
}

/// True when the pid in `path` names a live process other than this one.
fn owner_alive(path: &Path) -> bool {
    let Some(pid) = fs::read_to_string(path)
        .ok()
        .and_then(|text| text.trim().parse::<i32>().ok())
    else {
        return false;
    };
    pid != std::process::id() as i32
        && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

fn unprivileged_owner() -> Result<Option<(nix::unistd::Uid, nix::unistd::Gid)>, EmbeddedError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some((user.uid, user.gid))),
        _ => Err(EmbeddedError::NoPostgresUser),
    }
}

fn read_or_create_password(path: &Path) -> Result<SecretString, EmbeddedError> {
    if let Ok(existing) = fs::read_to_string(path) {
        let existing = existing.trim();
        if !existing.is_empty() {
            return Ok(SecretString::from(existing.to_owned()));
        }
    }
    let password: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    write_private(path, &password)?;
    Ok(SecretString::from(password))
}

fn write_private(path: &Path, contents: &str) -> Result<(), EmbeddedError> {
    let io = |source| EmbeddedError::Io {
        path: path.to_owned(),
        source,
    };
    // Created 0600 and made so before the secret is written: never readable
    // by others, not even for an instant (an existing file keeps its mode
    // unless it is set).
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)
}

fn create_dir(path: &Path, mode: u32) -> Result<(), EmbeddedError> {
    let io = |source| EmbeddedError::Io {
        path: path.to_owned(),
        source,
    };
    if !path.exists() {
        fs::create_dir_all(path).map_err(io)?;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io)?;
    }
    Ok(())
}

fn free_port() -> Result<u16, EmbeddedError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|source| EmbeddedError::Io {
            path: PathBuf::from("127.0.0.1:0"),
            source,
        })
}
