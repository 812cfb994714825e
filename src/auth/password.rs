//! Passwords: argon2id hashes, computed off the async executor on a few
//! low-priority threads of their own with a bounded queue, so that a flood
//! of sign-ins queues up here instead of starving every other route of
//! CPU; and the rules a new password follows.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

/// OWASP's argon2id floor (2025): 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// A few of the most used passwords that the length rule lets through.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "000000000000",
    "111111111111",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiopas",
    "azertyuiopqs",
    "motdepasse123",
    "motdepasse1234",
    "iloveyou1234",
    "abcdefghijkl",
    "azertyazerty",
    "qwertyqwerty",
    "aaaaaaaaaaaa",
    "administrator",
    "adminadminadmin",
];

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("too many sign-ins at once; try again in a moment")]
    Busy,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// A sign-in flood is "try again shortly", not a server failure.
impl From<PasswordError> for AppError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::Busy => AppError::TooManyRequests(2),
            PasswordError::Hashing(cause) => AppError::Internal(cause.into()),
        }
    }
}

/// Why a new password is refused (a translation key each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
    Common,
    ContainsEmail,
}

impl Weakness {
    pub fn key(self) -> &'static str {
        match self {
            Weakness::TooShort => "password-too-short",
            Weakness::TooLong => "password-too-long",
            Weakness::Common => "password-too-common",
            Weakness::ContainsEmail => "password-contains-email",
        }
    }
}

/// The rules of ASVS 2.1: at least 12 characters, at most 256, not a
/// well-known password, not the person's own address. No composition rules.
pub fn check_strength(password: &str, email: &str) -> Result<(), Weakness> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Weakness::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(Weakness::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered.as_str()) || lowered.chars().all(|c| lowered.starts_with(c)) {
        return Err(Weakness::Common);
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.len() >= 4 && lowered.contains(&local) {
        return Err(Weakness::ContainsEmail);
    }
    Ok(())
}

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    pool: HashPool,
    params: Params,
    /// Verified when an address is unknown, so that the answer takes as
    /// long as for a known one.
    decoy: Arc<str>,
}

impl Passwords {
    /// `parallel` hashes at most at a time (the rest wait their turn).
    pub fn new(parallel: usize) -> Result<Self, PasswordError> {
        let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
            .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        Ok(Self {
            pool: HashPool::start(parallel.max(1))?,
            params,
            decoy: decoy().into(),
        })
    }

    /// Half the cores, at least one: hashing never takes the whole machine.
    pub fn for_this_machine() -> Result<Self, PasswordError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores / 2)
    }

    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let (params, password) = (self.params.clone(), password.to_owned());
        self.pool.run(move || hash_now(&params, &password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown
    /// address, invited account) a decoy is checked and `false` returned.
    pub async fn verify(
        &self,
        stored: Option<&str>,
        password: &str,
    ) -> Result<bool, PasswordError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.decoy).to_owned();
        let password = password.to_owned();
        let matches = self
            .pool
            .run(move || verify_now(&stored, &password))
            .await?;
        Ok(known && matches)
    }
}

/// The hash checked when there is none: today's parameters, so that
/// checking it costs what checking a real one does, and a digest that no
/// password gives. Written out rather than hashed at start: a 19 MiB
/// argon2 run at every start cost ~40 ms before the first request and
/// left its memory resident (peak RSS) in servers nobody signs in to.
fn decoy() -> String {
    format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}\
         $dGVzc2VyYSBkZWNveSAxNg$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    )
}

type Work = Box<dyn FnOnce() + Send>;

/// Threads of their own for hashing, at the lowest scheduling class:
/// when the machine is busy, serving pages comes first and sign-ins wait
/// (a few milliseconds more for a person; a flood only slows itself). The
/// queue is bounded: past it, a sign-in is refused as busy at once.
#[derive(Clone)]
struct HashPool {
    queue: std::sync::mpsc::SyncSender<Work>,
}

/// Sign-ins waiting for a hashing thread, at most.
const QUEUE: usize = 256;

impl HashPool {
    fn start(threads: usize) -> Result<Self, PasswordError> {
        let (queue, waiting) = std::sync::mpsc::sync_channel::<Work>(QUEUE);
        let waiting = Arc::new(std::sync::Mutex::new(waiting));
        for n in 0..threads {
            let waiting = waiting.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || work(&waiting))
                .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        }
        Ok(Self { queue })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Work = Box::new(move || {
            let _ = reply.send(work());
        });
        self.queue.try_send(job).map_err(|_| PasswordError::Busy)?;
        answer.await.map_err(|_| PasswordError::Busy)
    }
}

fn work(waiting: &std::sync::Mutex<std::sync::mpsc::Receiver<Work>>) {
    lower_priority();
    loop {
        let next = waiting.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            Ok(job) => job(),
            // Every `Passwords` is gone.
            Err(_) => return,
        }
    }
}

/// `SCHED_IDLE` on Linux: a hash runs on a core nothing else wants at that
/// moment, and any request that wakes up takes the core back at once.
/// Failing to lower it only makes hashing compete harder.
#[cfg(target_os = "linux")]
fn lower_priority() {
    use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    let _ = thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        ThreadPriority::Min,
        idle,
    );
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {
    let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_now(params: &Params, password: &str) -> Result<String, PasswordError> {
    let mut salt_bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt_bytes);
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    argon2(params)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

fn verify_now(stored: &str, password: &str) -> bool {
    // The parameters travel in the PHC string: old hashes stay checkable.
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() -> TestResult {
        let passwords = Passwords::new(1)?;
        let hash = passwords.hash("correct horse battery").await?;
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            passwords
                .verify(Some(&hash), "correct horse battery")
                .await?
        );
        assert!(
            !passwords
                .verify(Some(&hash), "correct horse batterY")
                .await?
        );
        assert!(
            !passwords
                .verify(None, "decoy password that nobody has")
                .await?
        );
        assert!(!passwords.verify(Some("not a hash"), "x").await?);
        Ok(())
    }

    #[test]
    fn the_decoy_is_checked_with_todays_parameters() -> TestResult {
        let decoy = decoy();
        let parsed = PasswordHash::new(&decoy).map_err(|e| e.to_string())?;
        let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (MEMORY_KIB, PASSES, LANES)
        );
        assert_eq!(parsed.hash.map(|h| h.len()), Some(32));
        assert!(!verify_now(&decoy, ""));
        Ok(())
    }

    #[test]
    fn weak_passwords_are_named() -> TestResult {
        let email = "camille.martin@example.org";
        assert_eq!(check_strength("short", email), Err(Weakness::TooShort));
        assert_eq!(check_strength("password1234", email), Err(Weakness::Common));
        assert_eq!(
            check_strength("zzzzzzzzzzzzzz", email),
            Err(Weakness::Common)
        );
        assert_eq!(
            check_strength("camille.martin-2024", email),
            Err(Weakness::ContainsEmail)
        );
        assert_eq!(
            check_strength(&"é".repeat(300), email),
            Err(Weakness::TooLong)
        );
        assert_eq!(check_strength("velo du dimanche matin", email), Ok(()));
        Ok(())
    }
}
