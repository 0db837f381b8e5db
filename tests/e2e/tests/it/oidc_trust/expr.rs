//! The part of GitHub Actions expressions that decides a job's role and
//! environment: context paths (`inputs.environment`, `vars.NAME`,
//! `github.event_name`), string literals, `true`/`false`/`null`, `==`,
//! `!=`, `!`, `&&`, `||` and parentheses. As GitHub evaluates them: strings
//! compare ignoring case, `&&` and `||` return one of their operands, and
//! `''`, `null` and `false` are falsy. Anything else is an error, so a
//! workflow that outgrows this subset fails the test instead of being
//! misread.

/// A value an expression yields.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Str(String),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Str(s) => !s.is_empty(),
        }
    }

    /// The value as GitHub converts it to a string.
    pub fn into_string(self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => s,
        }
    }
}

/// Where context paths (`inputs.x`, `vars.X`, ...) are looked up.
pub trait Context {
    /// The value of a dotted path, or why it has none here.
    fn lookup(&self, path: &str) -> Result<Value, String>;
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Path(String),
    Literal(Value),
    Eq,
    Ne,
    And,
    Or,
    Not,
    Open,
    Close,
}

fn tokens(expr: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '(' | ')' | '!' | '=' | '&' | '|' => {
                let (token, width) = match (c, next) {
                    ('=', Some('=')) => (Token::Eq, 2),
                    ('!', Some('=')) => (Token::Ne, 2),
                    ('&', Some('&')) => (Token::And, 2),
                    ('|', Some('|')) => (Token::Or, 2),
                    ('!', _) => (Token::Not, 1),
                    ('(', _) => (Token::Open, 1),
                    (')', _) => (Token::Close, 1),
                    _ => return Err(format!("unsupported {c:?} in {expr:?}")),
                };
                out.push(token);
                i += width;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("unterminated string in {expr:?}")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => break,
                        Some(&c) => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push(Token::Literal(Value::Str(s)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(match word.as_str() {
                    "true" => Token::Literal(Value::Bool(true)),
                    "false" => Token::Literal(Value::Bool(false)),
                    "null" => Token::Literal(Value::Null),
                    _ => Token::Path(word),
                });
            }
            other => return Err(format!("unsupported {other:?} in {expr:?}")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    ctx: &'a dyn Context,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Result<Value, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            let right = self.and()?;
            left = if left.truthy() { left } else { right };
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Value, String> {
        let mut left = self.comparison()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            let right = self.comparison()?;
            left = if left.truthy() { right } else { left };
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Value, String> {
        let left = self.unary()?;
        let negate = match self.peek() {
            Some(Token::Eq) => false,
            Some(Token::Ne) => true,
            _ => return Ok(left),
        };
        self.at += 1;
        let right = self.unary()?;
        let equal = left.into_string().to_lowercase() == right.into_string().to_lowercase();
        Ok(Value::Bool(equal != negate))
    }

    fn unary(&mut self) -> Result<Value, String> {
        let token = self.peek().cloned().ok_or("expression ends early")?;
        self.at += 1;
        match token {
            Token::Not => Ok(Value::Bool(!self.unary()?.truthy())),
            Token::Open => {
                let value = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("missing )".into());
                }
                self.at += 1;
                Ok(value)
            }
            Token::Literal(value) => Ok(value),
            Token::Path(path) => self.ctx.lookup(&path),
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

/// Evaluates one expression (the text inside `${{ }}`).
pub fn eval(expr: &str, ctx: &dyn Context) -> Result<Value, String> {
    let mut parser = Parser {
        tokens: tokens(expr)?,
        at: 0,
        ctx,
    };
    let value = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(format!("trailing tokens in {expr:?}"));
    }
    Ok(value)
}

/// A workflow string with every `${{ }}` in it replaced by its value.
pub fn render(text: &str, ctx: &dyn Context) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unterminated expression in {text:?}"))?;
        out.push_str(&eval(&after[..end], ctx)?.into_string());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inputs(&'static str);

    impl Context for Inputs {
        fn lookup(&self, path: &str) -> Result<Value, String> {
            match path {
                "inputs.environment" => Ok(Value::Str(self.0.into())),
                "vars.PROD" | "vars.DEV" => Ok(Value::Str(path.into())),
                "vars.UNSET" => Ok(Value::Str(String::new())),
                other => Err(format!("no {other}")),
            }
        }
    }

    #[test]
    fn the_and_or_idiom_picks_an_operand_and_comparison_ignores_case() {
        let pick = "inputs.environment == 'PROD' && vars.PROD || vars.DEV";
        assert_eq!(
            eval(pick, &Inputs("prod")).unwrap(),
            Value::Str("vars.PROD".into())
        );
        assert_eq!(
            eval(pick, &Inputs("dev")).unwrap(),
            Value::Str("vars.DEV".into())
        );
        // An empty first choice falls through to the second, as on GitHub.
        let unset = "inputs.environment == 'prod' && vars.UNSET || vars.DEV";
        assert_eq!(
            eval(unset, &Inputs("prod")).unwrap(),
            Value::Str("vars.DEV".into())
        );
        assert_eq!(
            eval("!(inputs.environment != 'dev')", &Inputs("dev")).unwrap(),
            Value::Bool(true)
        );
    }

    #[test]
    fn render_interpolates_and_refuses_what_it_cannot_read() {
        assert_eq!(
            render("tfplan-${{ inputs.environment }}.zip", &Inputs("dev")).unwrap(),
            "tfplan-dev.zip"
        );
        assert!(render("${{ secrets.KEY }}", &Inputs("dev")).is_err());
        assert!(render("${{ fromJSON(vars.DEV) }}", &Inputs("dev")).is_err());
    }
}
