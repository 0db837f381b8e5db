//! Name templates such as `{project}-{env}-{service}`.
//!
//! A template may use `{project}`, `{env}` and `{service}`; any other
//! placeholder, or an unclosed brace, is an error that names it.

use std::fmt;

/// The values a name template can refer to.
#[derive(Debug, Clone, Copy)]
pub struct Vars<'a> {
    /// The project name (`portfolio`).
    pub project: &'a str,
    /// The environment (`dev`, `prod`).
    pub env: &'a str,
    /// The service, when the name is per service.
    pub service: Option<&'a str>,
}

/// A template that cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{name}` is not one of the known placeholders.
    #[error("unknown placeholder {{{0}}} (known: {{project}}, {{env}}, {{service}})")]
    Unknown(String),
    /// `{service}` used where no service applies.
    #[error("{{service}} cannot be used here: the name is not per service")]
    NoService,
    /// A `{` without its `}`.
    #[error("unclosed '{{' in template")]
    Unclosed,
}

/// Expands `template` with `vars`.
pub fn expand(template: &str, vars: Vars<'_>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or(TemplateError::Unclosed)?;
        let name = &after[..end];
        match name {
            "project" => out.push_str(vars.project),
            "env" => out.push_str(vars.env),
            "service" => out.push_str(vars.service.ok_or(TemplateError::NoService)?),
            other => return Err(TemplateError::Unknown(other.to_owned())),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks a template without expanding it for real.
pub fn check(template: &str, per_service: bool) -> Result<(), TemplateError> {
    let service = per_service.then_some("s");
    expand(
        template,
        Vars {
            project: "p",
            env: "e",
            service,
        },
    )
    .map(drop)
}

impl fmt::Display for Vars<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "project={} env={}", self.project, self.env)?;
        if let Some(service) = self.service {
            write!(f, " service={service}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: Vars<'static> = Vars {
        project: "portfolio",
        env: "dev",
        service: Some("backend"),
    };

    #[test]
    fn expands_known_placeholders() {
        assert_eq!(
            expand("/ecs/{project}-{env}/{service}", VARS).unwrap(),
            "/ecs/portfolio-dev/backend"
        );
        assert_eq!(expand("plain", VARS).unwrap(), "plain");
    }

    #[test]
    fn rejects_unknown_and_unclosed() {
        assert_eq!(
            expand("{region}", VARS),
            Err(TemplateError::Unknown("region".into()))
        );
        assert_eq!(expand("a{env", VARS), Err(TemplateError::Unclosed));
        assert_eq!(check("{service}", false), Err(TemplateError::NoService));
    }
}
