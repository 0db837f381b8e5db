//! Where the rendered definition goes: a file written atomically (a
//! temporary file in the same directory, then a rename), a new file under
//! `$RUNNER_TEMP`, or stdout; and the diff against the source.

use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::error::Error;

/// Writes `text` to `path` atomically: readers see the old file or the
/// whole new one, never a part.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let error = |source| Error::from(portfolio_core::Error::io_at("cannot write", path)(source));
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".render-taskdef-")
        .tempfile_in(dir)
        .map_err(error)?;
    file.write_all(text.as_bytes()).map_err(error)?;
    file.as_file().sync_all().map_err(error)?;
    file.persist(path).map_err(|err| error(err.error))?;
    Ok(())
}

/// Writes `text` to a new file `<family>-XXXXXX.json` in `dir` (the
/// runner's temporary directory) and returns its path.
pub fn write_new_file(dir: &Path, family: &str, text: &str) -> Result<PathBuf, Error> {
    let error = |source| Error::from(portfolio_core::Error::io_at("cannot write", dir)(source));
    let mut file = tempfile::Builder::new()
        .prefix(&format!("{family}-"))
        .suffix(".json")
        .tempfile_in(dir)
        .map_err(error)?;
    file.write_all(text.as_bytes()).map_err(error)?;
    let (_, path) = file.keep().map_err(|err| error(err.error))?;
    Ok(path)
}

/// Writes `text` to stdout; a reader that went away is not an error.
pub fn write_stdout(text: &str) -> Result<(), Error> {
    portfolio_core::output::write_stdout(text)
        .map_err(|source| portfolio_core::Error::io("cannot write to stdout")(source).into())
}

/// A unified diff from `before` to `after` (empty when they are equal).
pub fn unified_diff(before: &str, after: &str, before_name: &str, after_name: &str) -> String {
    if before == after {
        return String::new();
    }
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(before_name, after_name)
        .to_string()
}
