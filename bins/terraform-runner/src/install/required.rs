//! The `required_version` of a root module: every `terraform` block of its
//! `*.tf` files (and `*.tofu` files for OpenTofu) may hold one, and terraform
//! needs all of them to hold, so they are joined into one [`Constraint`].

use std::path::{Path, PathBuf};

use portfolio_core::InvalidInput;

use super::constraint::Constraint;
use crate::error::Error;

/// The constraints of the root module `dir`, with the files they came
/// from; `None` when no file sets `required_version`.
pub fn required_version(
    dir: &Path,
    extensions: &[&str],
) -> Result<Option<(Constraint, Vec<PathBuf>)>, Error> {
    let entries = std::fs::read_dir(dir).map_err(Error::io("cannot read the directory", dir))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.contains(&e))
        })
        .collect();
    files.sort();
    let mut found: Option<Constraint> = None;
    let mut sources = Vec::new();
    for file in files {
        for text in in_file(&file)? {
            let constraint = Constraint::parse(&text).map_err(|reason| {
                InvalidInput::in_file(&file, "terraform.required_version", reason)
            })?;
            found = Some(match found {
                Some(all) => all.and(constraint),
                None => constraint,
            });
            sources.push(file.clone());
        }
    }
    Ok(found.map(|c| (c, sources)))
}

/// The `required_version` strings of the `terraform` blocks of one file.
fn in_file(file: &Path) -> Result<Vec<String>, Error> {
    let text = std::fs::read_to_string(file).map_err(Error::io("cannot read", file))?;
    let body = hcl::parse(&text).map_err(|err| {
        InvalidInput::in_file(
            file,
            "terraform.required_version",
            format!("not valid HCL: {err}"),
        )
    })?;
    let mut found = Vec::new();
    for block in body.blocks().filter(|b| b.identifier() == "terraform") {
        for attribute in block
            .body()
            .attributes()
            .filter(|a| a.key() == "required_version")
        {
            match attribute.expr() {
                hcl::Expression::String(text) => found.push(text.clone()),
                other => {
                    return Err(InvalidInput::in_file(
                        file,
                        "terraform.required_version",
                        format!("expected a string such as \">= 1.10\", got {other}"),
                    )
                    .into());
                }
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
