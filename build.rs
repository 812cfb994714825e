//! Rebuilds when embedded files change: migrations (`sqlx::migrate!`), the
//! built-in theme and the demo tenants (`include_dir!`) are read at compile
//! time, and new files there are otherwise not noticed.

fn main() {
    for dir in ["migrations", "themes", "tenants"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
