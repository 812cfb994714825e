//! The `tessera` command: see `tessera --help`.

use std::process::ExitCode;

use clap::Parser;

// Many small, short-lived allocations per request; mimalloc handles them
// markedly better than the system allocator under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = tessera::cli::Cli::parse();
    // A render worker confines itself while it is still single-threaded.
    if let tessera::cli::Command::RenderWorker { themes_dir } = &cli.command {
        return match tessera::themes::sandbox::worker::run(themes_dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tessera::cli::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
