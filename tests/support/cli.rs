//! Running the `dialer` binary from the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shipped reference scenario.
pub fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference-ratio2.toml")
}

/// Runs `dialer ARGS…`.
pub fn dialer<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_dialer")).args(args).output().expect("the dialer binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}
