//! Where things stand in a TOML file, for error messages that name the line of the field
//! itself (not the line of its table): the scenario parser and the server's configuration
//! file both point at `file:line: field` with it.
//!
//! Built on `toml::de::DeTable`, which keeps the byte span of every key and value.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a field path: a key of a table or an index into an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A parsed TOML text that answers "on which line is this field?".
pub struct Lines<'a> {
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Lines<'a> {
    /// `text` need not be valid TOML; then every lookup answers `None`.
    pub fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// The 1-based line of byte `offset`.
    pub fn line_at(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// The line of the field at `path` (of its key where it has one, so a multi-line value
    /// is named by its first line); where the file does not give the whole path (a value left
    /// to its default), the line of the deepest part it gives. `None`: not even the first
    /// step is in the file.
    pub fn line(&self, path: &[Step<'_>]) -> Option<usize> {
        let root = self.root.as_ref()?;
        let mut table = Some(root.get_ref());
        let mut array: Option<&[Spanned<DeValue<'a>>]> = None;
        let mut found: Option<usize> = None;
        for step in path {
            let value = match (*step, table, array) {
                (Step::Key(name), Some(t), _) => {
                    let Some((key, value)) = t.iter().find(|(k, _)| k.get_ref().as_ref() == name)
                    else {
                        break;
                    };
                    found = Some(key.span().start);
                    value
                }
                (Step::Index(i), _, Some(items)) => {
                    let Some(value) = items.get(i) else { break };
                    found = Some(value.span().start);
                    value
                }
                _ => break,
            };
            (table, array) = match value.get_ref() {
                DeValue::Table(t) => (Some(t), None),
                DeValue::Array(a) => (None, Some(&a[..])),
                _ => (None, None),
            };
        }
        found.map(|offset| self.line_at(offset))
    }

    /// [`Lines::line`] for a dotted path as the engine and the parsers name fields:
    /// `queues[0].dispositions[1].code`, `behaviour.callbacks.accept_probability`.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        self.line(&steps(path))
    }
}

/// `a.b[2].c` as steps. A bracket holding something other than a number (the engine's
/// `queues[sales]`) is kept as a key step of its own text, which the caller may replace.
pub fn steps(path: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            steps.push(Step::Key(name));
        }
        while let Some((inside, after)) = rest.split_once(']') {
            steps.push(match inside.parse() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(inside),
            });
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"name = "x"

[[queues]]
id = "a"

[[queues]]
id = "b"
dispositions = [
  { code = "one" },
  { code = "two" },
]

[behaviour]
accept_seconds = { constant = 1 }

[behaviour.callbacks]
accept_probability = 0.5
"#;

    #[test]
    fn fields_are_found_on_their_own_lines() {
        let lines = Lines::new(TEXT);
        assert_eq!(lines.line_of("name"), Some(1));
        assert_eq!(lines.line_of("queues[0].id"), Some(4));
        assert_eq!(lines.line_of("queues[1].id"), Some(7));
        assert_eq!(lines.line_of("queues[1].dispositions"), Some(8));
        assert_eq!(lines.line_of("queues[1].dispositions[1].code"), Some(10));
        assert_eq!(lines.line_of("behaviour.accept_seconds.constant"), Some(14));
        assert_eq!(
            lines.line_of("behaviour.callbacks.accept_probability"),
            Some(17)
        );
    }

    #[test]
    fn a_missing_field_is_named_by_the_deepest_part_present() {
        let lines = Lines::new(TEXT);
        assert_eq!(lines.line_of("queues[1].offer_timeout_ms"), Some(6));
        assert_eq!(lines.line_of("behaviour.decline_probability"), Some(13));
        assert_eq!(lines.line_of("stop.duration"), None);
        assert_eq!(Lines::new("not toml [").line_of("name"), None);
    }

    #[test]
    fn paths_split_into_steps() {
        assert_eq!(
            steps("queues[sales].callbacks.recall_intervals_ms[2]"),
            vec![
                Step::Key("queues"),
                Step::Key("sales"),
                Step::Key("callbacks"),
                Step::Key("recall_intervals_ms"),
                Step::Index(2),
            ]
        );
        assert_eq!(
            steps("a[1][2]"),
            vec![Step::Key("a"), Step::Index(1), Step::Index(2)]
        );
    }
}
