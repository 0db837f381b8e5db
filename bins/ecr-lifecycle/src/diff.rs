//! A line diff (longest common subsequence) of two small texts, printed
//! with `-`/`+`/` ` prefixes, for `apply` to show what changes.

/// Unified-style lines: ` ` kept, `-` only in `old`, `+` only in `new`.
pub fn diff_lines(old: &str, new: &str) -> Vec<String> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // common[i][j]: length of the LCS of a[i..] and b[j..].
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push(format!("  {}", a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || common[i][j + 1] >= common[i + 1][j]) {
            lines.push(format!("+ {}", b[j]));
            j += 1;
        } else {
            lines.push(format!("- {}", a[i]));
            i += 1;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_changed_lines() {
        let lines = diff_lines("a\nb\nc", "a\nx\nc\nd");
        assert_eq!(lines, ["  a", "+ x", "- b", "  c", "+ d"]);
    }

    #[test]
    fn identical_texts_have_no_changes() {
        let lines = diff_lines("a\nb", "a\nb");
        assert!(lines.iter().all(|l| l.starts_with("  ")));
    }
}
