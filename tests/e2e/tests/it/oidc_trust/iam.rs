//! Whether a role's trust policy lets a web identity token assume the role,
//! decided as IAM does for `sts:AssumeRoleWithWebIdentity`: an `Allow`
//! statement must name the OIDC provider as its `Federated` principal, the
//! action, and every condition must hold (operators AND together, keys AND
//! together, the values of one key OR together); an explicit `Deny` that
//! matches wins. `StringEquals` compares exactly, `StringLike` with `*`
//! (any run of characters) and `?` (one character), both case-sensitive in
//! the value; condition key names are case-insensitive; a key the token
//! does not carry fails its condition. Any other operator is an error, so a
//! policy this evaluator cannot read fails the test instead of passing it.

use std::collections::BTreeMap;

use serde_json::Value;

/// The token a job presents: its OIDC provider and its claims as IAM
/// condition keys (`token.actions.githubusercontent.com:sub`, ...).
pub struct Token<'a> {
    pub provider_arn: &'a str,
    pub claims: &'a BTreeMap<String, String>,
}

/// Strings of a JSON string-or-array field.
fn strings(value: &Value) -> Result<Vec<&str>, String> {
    match value {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(|| format!("{v} is not a string")))
            .collect(),
        other => Err(format!("{other} is neither a string nor a list")),
    }
}

/// IAM's `StringLike`: `*` matches any run of characters, `?` one.
pub fn like(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn condition_holds(condition: &Value, token: &Token<'_>) -> Result<bool, String> {
    let Some(operators) = condition.as_object() else {
        return Err("Condition is not an object".into());
    };
    for (operator, keys) in operators {
        let matches: fn(&str, &str) -> bool = match operator.as_str() {
            "StringEquals" => |expected, actual| expected == actual,
            "StringLike" => like,
            other => return Err(format!("condition operator {other} is not modelled")),
        };
        let keys = keys
            .as_object()
            .ok_or_else(|| format!("{operator} is not an object"))?;
        for (key, expected) in keys {
            if key.contains("${") {
                return Err(format!("policy variables in {key} are not modelled"));
            }
            let actual = token
                .claims
                .iter()
                .find(|(claim, _)| claim.eq_ignore_ascii_case(key))
                .map(|(_, value)| value.as_str());
            let Some(actual) = actual else {
                return Ok(false);
            };
            if !strings(expected)?.iter().any(|e| matches(e, actual)) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn statement_matches(statement: &Value, token: &Token<'_>) -> Result<bool, String> {
    let federated = statement
        .pointer("/Principal/Federated")
        .ok_or("statement without a Federated principal")?;
    if !strings(federated)?.contains(&token.provider_arn) {
        return Ok(false);
    }
    let actions = statement.get("Action").ok_or("statement without Action")?;
    if !strings(actions)?
        .iter()
        .any(|a| like(&a.to_lowercase(), "sts:assumerolewithwebidentity"))
    {
        return Ok(false);
    }
    match statement.get("Condition") {
        None => Ok(true),
        Some(condition) => condition_holds(condition, token),
    }
}

/// Whether `policy` lets `token` assume the role.
pub fn allows(policy: &Value, token: &Token<'_>) -> Result<bool, String> {
    let statements = match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => return Err("policy without Statement".into()),
    };
    let mut allowed = false;
    for statement in statements {
        let effect = statement.get("Effect").and_then(Value::as_str);
        let matched = statement_matches(statement, token)?;
        match effect {
            Some("Deny") if matched => return Ok(false),
            Some("Allow") => allowed |= matched,
            Some("Deny") => {}
            other => return Err(format!("Effect {other:?}")),
        }
    }
    Ok(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROVIDER: &str = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com";

    fn token(sub: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                "token.actions.githubusercontent.com:aud".into(),
                "sts.amazonaws.com".into(),
            ),
            ("token.actions.githubusercontent.com:sub".into(), sub.into()),
        ])
    }

    fn policy(condition: &Value) -> Value {
        json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }]})
    }

    fn check(policy: &Value, sub: &str) -> bool {
        let claims = token(sub);
        allows(
            policy,
            &Token {
                provider_arn: PROVIDER,
                claims: &claims,
            },
        )
        .unwrap()
    }

    #[test]
    fn string_like_globs_and_string_equals_is_exact() {
        let globbed = policy(&json!({"StringLike": {
            "Token.Actions.GitHubUserContent.com:SUB": ["repo:o/r:environment:*", "x"]}}));
        assert!(check(&globbed, "repo:o/r:environment:dev"));
        assert!(!check(&globbed, "repo:o/r:ref:refs/heads/main"));
        let equals = policy(&json!({"StringEquals": {
            "token.actions.githubusercontent.com:sub": "repo:o/r:environment:dev",
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}));
        assert!(check(&equals, "repo:o/r:environment:dev"));
        assert!(!check(&equals, "repo:o/r:environment:DEV"));
        // A claim the token lacks fails the condition.
        let missing = policy(&json!({"StringLike": {
            "token.actions.githubusercontent.com:job_workflow_ref": "*"}}));
        assert!(!check(&missing, "repo:o/r:environment:dev"));
        assert!(like("a*b?d", "aXXbcd") && !like("a*b?d", "abd") && like("*", ""));
    }

    #[test]
    fn an_unmodelled_operator_is_an_error_not_a_pass() {
        let claims = token("repo:o/r:pull_request");
        let token = Token {
            provider_arn: PROVIDER,
            claims: &claims,
        };
        let p = policy(&json!({"ForAllValues:StringLike": {"x": "*"}}));
        assert!(allows(&p, &token).is_err());
    }
}
