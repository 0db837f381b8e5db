//! Syntax checks of image references and ARNs, with messages that say what
//! is expected.
//!
//! Image references follow the distribution reference grammar that Docker
//! and ECS use: `[HOST[:PORT]/]PATH[:TAG][@ALGORITHM:HEX]`, with lowercase
//! path components separated by `/` and joined inside by `.`, `_`, `__` or
//! dashes. ARNs are `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.

/// Checks an image reference; the error says which part is wrong.
pub fn check_image(image: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("empty image reference".into());
    }
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        check_digest(digest)?;
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(colon) => (
            &rest[..last_slash + colon],
            Some(&rest[last_slash + colon + 1..]),
        ),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    if name.len() > 255 {
        return Err(format!(
            "repository name longer than 255 characters in '{image}'"
        ));
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 && is_domain_like(components[0]) {
        check_domain(components.remove(0))?;
    }
    for component in components {
        check_path_component(component).map_err(|why| format!("{why} in '{image}'"))?;
    }
    Ok(())
}

fn is_domain_like(first: &str) -> bool {
    first.contains('.')
        || first.contains(':')
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

fn check_domain(domain: &str) -> Result<(), String> {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if !domain.ends_with(']') => (host, Some(port)),
        _ => (domain, None),
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5)
    {
        return Err(format!("registry port '{port}' is not a number"));
    }
    if host.starts_with('[') && host.ends_with(']') {
        return Ok(());
    }
    let valid = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if valid {
        Ok(())
    } else {
        Err(format!("registry host '{host}' is not a valid host name"))
    }
}

fn check_path_component(component: &str) -> Result<(), String> {
    let bytes = component.as_bytes();
    let lower_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() {
        return Err("empty path component (a doubled or trailing '/')".into());
    }
    if let Some(bad) = bytes
        .iter()
        .find(|b| !lower_alnum(**b) && !b"._-".contains(b))
    {
        let what = if bad.is_ascii_uppercase() {
            "uppercase letter"
        } else {
            "character"
        };
        return Err(format!(
            "{what} '{}' in repository path component '{component}' (lowercase letters, digits and . _ - only)",
            char::from(*bad)
        ));
    }
    if !lower_alnum(bytes[0]) || !lower_alnum(bytes[bytes.len() - 1]) {
        return Err(format!(
            "repository path component '{component}' must start and end with a letter or digit"
        ));
    }
    // Separators: one '.', one or two '_', or any number of '-'.
    for run in component
        .split(|c: char| c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
    {
        let ok = run == "." || run == "_" || run == "__" || run.bytes().all(|b| b == b'-');
        if !ok {
            return Err(format!(
                "separator '{run}' in repository path component '{component}'"
            ));
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), String> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    let valid = !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|b| word(*b) || *b == b'.' || *b == b'-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "tag '{tag}' is not valid (up to 128 letters, digits, _ . -, not starting with . or -)"
        ))
    }
}

fn check_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!("digest '{digest}' is not ALGORITHM:HEX"));
    };
    let algorithm_ok = algorithm
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && algorithm
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b));
    let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    if algorithm_ok && hex_ok {
        Ok(())
    } else {
        Err(format!(
            "digest '{digest}' is not ALGORITHM:HEX (e.g. sha256: and 64 hex digits)"
        ))
    }
}

/// The parts of an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// `iam`, `secretsmanager`, `ssm`, ...
    pub service: &'a str,
    /// Empty for global services.
    pub region: &'a str,
    /// 12 digits, or empty.
    pub account: &'a str,
    /// `role/NAME`, `secret:NAME`, `parameter/NAME`, ...
    pub resource: &'a str,
}

/// Parses `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
pub fn parse_arn(text: &str) -> Result<Arn<'_>, String> {
    let expected = "expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE";
    let mut parts = text.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(format!("'{text}' is not an ARN ({expected})"));
    };
    let word = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if partition.is_empty() || !partition.starts_with("aws") || !word(partition) {
        return Err(format!(
            "'{text}': partition '{partition}' is not aws, aws-cn, aws-us-gov, ..."
        ));
    }
    if service.is_empty() || !word(service) {
        return Err(format!(
            "'{text}': service '{service}' is not valid ({expected})"
        ));
    }
    if !word(region) {
        return Err(format!("'{text}': region '{region}' is not valid"));
    }
    if !account.is_empty() && (account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("'{text}': account '{account}' is not 12 digits"));
    }
    if resource.is_empty() || resource.chars().any(char::is_whitespace) {
        return Err(format!(
            "'{text}': the resource part is empty or has spaces"
        ));
    }
    Ok(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

/// Checks an IAM role ARN (`arn:aws:iam::123456789012:role/NAME`).
pub fn check_role_arn(text: &str) -> Result<(), String> {
    let arn = parse_arn(text)?;
    if arn.service != "iam" || arn.account.is_empty() || !arn.region.is_empty() {
        return Err(format!(
            "'{text}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        ));
    }
    match arn.resource.strip_prefix("role/") {
        Some(name) if !name.is_empty() => Ok(()),
        _ => Err(format!(
            "'{text}' is not an IAM role ARN: the resource must be role/NAME"
        )),
    }
}

/// Checks a secret's `valueFrom`: a Secrets Manager or SSM Parameter Store
/// ARN, or the name of a parameter in the task's region.
pub fn check_secret_source(text: &str) -> Result<(), String> {
    if text.starts_with("arn:") {
        let arn = parse_arn(text)?;
        return match arn.service {
            "secretsmanager" | "ssm" => Ok(()),
            other => Err(format!(
                "'{text}' is a {other} ARN; expected a Secrets Manager or SSM Parameter Store ARN"
            )),
        };
    }
    let valid = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "'{text}' is neither an ARN nor an SSM parameter name (letters, digits, _ . - /)"
        ))
    }
}

#[cfg(test)]
mod tests;
