//! The line of a field in a policy file, for errors found after parsing
//! (ECR's rules, checked on the parsed document, which keeps no position).
//!
//! The file is parsed again by the same parser with a seed that walks the
//! field's path and fails on arrival; the parser attaches its position to
//! that failure, as it does to any error, and that position is the line.
//! A key is found at the key itself; a field that is missing is placed at
//! the nearest part of its path that is present.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step of a path into a document: `rules`, `[1]`, `selection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// A key of a mapping.
    Key(&'a str),
    /// An element of a sequence.
    Index(usize),
}

/// The syntax a policy file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// The 1-based line of `path` in `text`, or of the longest part of it
/// present; `None` when not even the first step is there.
pub fn line(text: &str, format: Format, path: &[Step<'_>]) -> Option<usize> {
    (1..=path.len())
        .rev()
        .find_map(|len| line_of(text, format, &path[..len]))
}

fn line_of(text: &str, format: Format, path: &[Step<'_>]) -> Option<usize> {
    let seek = Seek { path };
    match format {
        Format::Json => {
            let mut json = serde_json::Deserializer::from_str(text);
            let err = seek.deserialize(&mut json).err()?;
            (err.line() > 0).then_some(err.line())
        }
        Format::Yaml => {
            let yaml = serde_yaml_ng::Deserializer::from_str(text);
            let err = seek.deserialize(yaml).err()?;
            err.location().map(|at| at.line())
        }
    }
}

/// Walks `path`: `Ok(())` when it is not there, an error positioned at it
/// when it is.
struct Seek<'p> {
    path: &'p [Step<'p>],
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.path.split_first() {
            None => deserializer.deserialize_any(Arrived),
            Some((step, rest)) => deserializer.deserialize_any(Walk { step: *step, rest }),
        }
    }
}

/// The end of the path is a value: fail on it (every visit fails).
struct Arrived;

impl<'de> Visitor<'de> for Arrived {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("nothing: this is the place looked for")
    }
}

/// One step down from a value.
struct Walk<'p> {
    step: Step<'p>,
    rest: &'p [Step<'p>],
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Step::Key(wanted) = self.step else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let key = KeyIs {
            wanted,
            last: self.rest.is_empty(),
        };
        while let Some(found) = map.next_key_seed(key)? {
            if found {
                map.next_value_seed(Seek { path: self.rest })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let more = if self.step == Step::Index(index) {
                seq.next_element_seed(Seek { path: self.rest })?.is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Is this key the one wanted? When it is the last step, fail on the key
/// itself, so that the position is the key's line.
#[derive(Clone, Copy)]
struct KeyIs<'p> {
    wanted: &'p str,
    last: bool,
}

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        match (key == self.wanted, self.last) {
            (true, true) => Err(E::custom("found")),
            (found, _) => Ok(found),
        }
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{
  "rules": [
    {"rulePriority": 1, "selection": {"tagStatus": "any"}},
    {
      "rulePriority": 2,
      "selection": {
        "tagStatus": "untagged",
        "countNumber": 7
      }
    }
  ]
}"#;

    const YAML: &str = "rules:
  - rulePriority: 1
    selection: {tagStatus: any}
  - rulePriority: 2
    selection:
      tagStatus: untagged
      countNumber: 7
";

    fn path(index: usize, keys: &[&'static str]) -> Vec<Step<'static>> {
        let mut path = vec![Step::Key("rules"), Step::Index(index)];
        path.extend(keys.iter().map(|k| Step::Key(k)));
        path
    }

    #[test]
    fn a_field_is_found_at_its_key_in_json_and_yaml() {
        let count = path(1, &["selection", "countNumber"]);
        assert_eq!(line(JSON, Format::Json, &count), Some(8));
        assert_eq!(line(YAML, Format::Yaml, &count), Some(7));
        let priority = path(1, &["rulePriority"]);
        assert_eq!(line(JSON, Format::Json, &priority), Some(5));
        assert_eq!(line(YAML, Format::Yaml, &priority), Some(4));
        let first = path(0, &["selection", "tagStatus"]);
        assert_eq!(line(JSON, Format::Json, &first), Some(3));
        assert_eq!(line(YAML, Format::Yaml, &first), Some(3));
    }

    #[test]
    fn a_missing_field_is_placed_at_its_nearest_present_parent() {
        let unit = path(1, &["selection", "countUnit"]);
        assert_eq!(line(JSON, Format::Json, &unit), Some(6));
        assert_eq!(line(YAML, Format::Yaml, &unit), Some(5));
        assert_eq!(line(YAML, Format::Yaml, &[Step::Key("nothing")]), None);
    }
}
