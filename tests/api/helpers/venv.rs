//! Python tools from PyPI, each in a venv made once per target folder
//! (pinned versions), for the tests that check files against the schemas
//! those tools carry.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// The path of `program` in the venv `name`, made with `requirements` if
/// missing. Tests running at once wait for the one that makes it.
pub fn tool(name: &str, requirements: &[&str], program: &str) -> PathBuf {
    static MAKING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = MAKING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let bin = venv.join("bin").join(program);
    // Written once pip has succeeded: a venv left half-made is made again.
    let ready = venv.join(".installed");
    if ready.exists() {
        return bin;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3");
    assert!(
        made.success(),
        "python3 -m venv failed (apt-get install python3-venv)"
    );
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet"])
        .args(requirements)
        .status()
        .expect("pip");
    assert!(pip.success(), "pip install {requirements:?} failed");
    std::fs::write(&ready, b"").expect("venv marker");
    bin
}
