//! ECR's tag wildcards: a pattern matches a whole tag, `*` standing for any
//! run of characters (also none) and every other character for itself. The
//! lifecycle policy's `tagPatternList` and the repository's tag mutability
//! exclusion filters (`WILDCARD`) both match this way.

/// Whether `tag` matches `pattern` as a whole.
pub fn matches(pattern: &str, tag: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = tag.strip_prefix(first) else {
        return false;
    };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        // No `*` at all: the whole tag must equal the pattern.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn the_aws_documentation_examples() {
        // "prod*" matches tags that begin with prod; "*prod*" tags that contain it.
        for (pattern, tag, expected) in [
            ("prod*", "prod", true),
            ("prod*", "prod1", true),
            ("prod*", "production-team1", true),
            ("prod*", "repo-production", false),
            ("*prod*", "repo-production", true),
            ("*prod*", "prod-team", true),
            ("*prod*", "dev", false),
            ("prod", "prod", true),
            ("prod", "prod1", false),
            ("*test*1*2*3", "my-test-1-2-3", true),
            ("*test*1*2*3", "my-test-1-2-3-4", false),
            ("a*a", "a", false),
            ("a*a", "aa", true),
            ("*", "", true),
            ("v*-rc*", "v1.2-rc3", true),
            ("v*-rc*", "v1.2", false),
            ("release-*", "release-", true),
            ("release-*", "release", false),
            ("a*b*c", "a-b-b-c", true),
            ("a*b*c", "acb", false),
            ("ab*ba", "aba", false),
            ("v*.*", "v1.2", true),
            ("v*.*", "v1", false),
            ("main", "xmain", false),
        ] {
            assert_eq!(matches(pattern, tag), expected, "{pattern} vs {tag}");
        }
    }
}
