//! PromQL instant-vector selectors: `name`, `name{label="value",...}` and
//! `{__name__=~"..."}`, read and matched as Prometheus does.
//!
//! The console names the series behind each SLI with the same text it would
//! send to Prometheus, so that with and without `--prometheus` one selector
//! picks the same series. What Prometheus does, this does:
//!
//! - Strings are PromQL strings: double or single quotes with Go escapes
//!   (`\"`, `\\`, `\n`, `\t`, `\x41`, `\101`, `\u00e9`, `\U0001F600`, ...),
//!   or backquotes with no escapes at all. A raw line break ends nothing but
//!   a backquoted string.
//! - Regular expressions are anchored at both ends (`^(?:re)$`), so
//!   `code=~"5.."` matches `500` and not `1500`. They are compiled by the
//!   `regex` crate, whose syntax is RE2's, as Go's is; one difference remains:
//!   here `\d`, `\w`, `\s` and `\b` also take non-ASCII digits, letters and
//!   spaces, where Go takes ASCII only.
//! - An absent label has the value `""`: `{env=""}` matches series without
//!   `env`, and `{env!=""}` requires it.
//! - A selector must have at least one matcher that does not match the empty
//!   string (the metric name counts), so `{}` or `{a=~".*"}` cannot select
//!   every series by a typo.
//! - The metric name can be given once: `x{__name__="y"}` is refused.
//!
//! Range (`[5m]`), `offset` and `@` modifiers are not part of a selector and
//! are refused, as is anything else after it.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

/// The pseudo-label PromQL uses for the metric name.
pub const NAME_LABEL: &str = "__name__";

#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    /// The metric name written before the braces, if any.
    pub name: Option<String>,
    /// In the order written.
    pub matchers: Vec<Matcher>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `=~`
    Re,
    /// `!~`
    Nre,
}

/// One `label op "value"` condition.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub label: String,
    pub op: MatchOp,
    /// Decoded (escapes resolved); for `=~` and `!~` the pattern as written.
    pub value: String,
    /// `^(?:value)$`, for `=~` and `!~` only.
    regex: Option<Regex>,
}

/// Why a selector could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct SelectorError {
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Ne => "!=",
            MatchOp::Re => "=~",
            MatchOp::Nre => "!~",
        }
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Matcher {
    /// A matcher on `label`, which must be a valid label name (the parser
    /// checks it; this does not). Fails only on an invalid regular expression.
    pub fn new(
        label: impl Into<String>,
        op: MatchOp,
        value: impl Into<String>,
    ) -> Result<Matcher, regex::Error> {
        let value = value.into();
        let regex = match op {
            MatchOp::Eq | MatchOp::Ne => None,
            MatchOp::Re | MatchOp::Nre => {
                // Checked alone first: `a)|(b` would otherwise compile to
                // `^(?:a)|(b)$`, which is no longer anchored at both ends.
                Regex::new(&value)?;
                Some(Regex::new(&format!("^(?:{value})$"))?)
            }
        };
        Ok(Matcher {
            label: label.into(),
            op,
            value,
            regex,
        })
    }

    /// Whether a label value (`""` for an absent label) satisfies the matcher.
    pub fn matches(&self, value: &str) -> bool {
        match (self.op, &self.regex) {
            (MatchOp::Eq, _) => value == self.value,
            (MatchOp::Ne, _) => value != self.value,
            (MatchOp::Re, Some(re)) => re.is_match(value),
            (MatchOp::Nre, Some(re)) => !re.is_match(value),
            // `new` compiles a regex for both regex operators.
            (MatchOp::Re | MatchOp::Nre, None) => false,
        }
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Matcher) -> bool {
        self.label == other.label && self.op == other.op && self.value == other.value
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.label, self.op, quote(&self.value))
    }
}

impl Selector {
    /// Reads a selector; see the module documentation for the grammar.
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        Parser { text, pos: 0 }.selector()
    }

    /// The metric name when the selector fixes it, written before the braces
    /// or as `{__name__="..."}`.
    pub fn metric_name(&self) -> Option<&str> {
        self.name.as_deref().or_else(|| {
            self.matchers
                .iter()
                .find(|m| m.label == NAME_LABEL && m.op == MatchOp::Eq)
                .map(|m| m.value.as_str())
        })
    }

    /// Whether the series `name{labels}` is selected. An absent label reads
    /// as `""`; `__name__` reads as the metric name.
    pub fn matches(&self, name: &str, labels: &BTreeMap<String, String>) -> bool {
        if self.name.as_deref().is_some_and(|n| n != name) {
            return false;
        }
        self.matchers.iter().all(|m| {
            let value = match m.label.as_str() {
                NAME_LABEL => name,
                label => labels.get(label).map_or("", String::as_str),
            };
            m.matches(value)
        })
    }
}

/// Canonical PromQL, as Prometheus prints a selector: the name, then the
/// matchers sorted by their text, values quoted as Go's `%q` does. A name
/// PromQL would read as a number (`inf`, `nan`) is written as a matcher.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut matchers: Vec<String> = self.matchers.iter().map(Matcher::to_string).collect();
        let mut name = self.name.as_deref().unwrap_or("");
        if name.eq_ignore_ascii_case("inf") || name.eq_ignore_ascii_case("nan") {
            matchers.push(format!("{NAME_LABEL}={}", quote(name)));
            name = "";
        }
        matchers.sort();
        f.write_str(name)?;
        if !matchers.is_empty() || name.is_empty() {
            write!(f, "{{{}}}", matchers.join(","))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Selector {
    type Err = SelectorError;

    fn from_str(text: &str) -> Result<Selector, SelectorError> {
        Selector::parse(text)
    }
}

/// A value quoted as Go's `strconv.Quote` does, which PromQL reads back.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if !is_printable(c) && (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if !is_printable(c) => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Close to Go's `unicode.IsPrint`: controls, spaces other than ' ' and the
/// common invisible format characters are escaped.
fn is_printable(c: char) -> bool {
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}'))
}

fn is_label_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_name_start(c: char) -> bool {
    is_label_start(c) || c == ':'
}

fn is_name_char(c: char) -> bool {
    is_label_char(c) || c == ':'
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, prefix: &str) -> bool {
        let found = self.text[self.pos..].starts_with(prefix);
        if found {
            self.pos += prefix.len();
        }
        found
    }

    /// Skips white space and `#` comments, as the PromQL lexer does.
    fn skip_blank(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('#') => while self.bump().is_some_and(|c| c != '\n') {},
                _ => return,
            }
        }
    }

    fn error_at(&self, at: usize, message: impl Into<String>) -> SelectorError {
        SelectorError {
            column: self.text[..at].chars().count() + 1,
            message: message.into(),
        }
    }

    /// What is at `pos`, for messages: a short excerpt or "the end".
    fn found(&self) -> String {
        let rest = &self.text[self.pos..];
        if rest.is_empty() {
            return "the end of the selector".to_string();
        }
        let excerpt: String = rest.chars().take(12).collect();
        let more = if excerpt.len() < rest.len() { "…" } else { "" };
        format!("`{excerpt}{more}`")
    }

    fn word(&mut self, start: fn(char) -> bool, rest: fn(char) -> bool) -> Option<&'a str> {
        let begin = self.pos;
        if !self.peek().is_some_and(start) {
            return None;
        }
        while self.peek().is_some_and(rest) {
            self.bump();
        }
        Some(&self.text[begin..self.pos])
    }

    fn selector(mut self) -> Result<Selector, SelectorError> {
        self.skip_blank();
        if self.pos == self.text.len() {
            return Err(self.error_at(self.pos, "empty selector: expected a metric name or `{`"));
        }
        let name = self.word(is_name_start, is_name_char).map(str::to_string);
        self.skip_blank();
        let mut matchers = Vec::new();
        if self.peek() == Some('{') {
            matchers = self.matchers(name.as_deref())?;
            self.skip_blank();
        } else if name.is_none() {
            return Err(self.error_at(
                self.pos,
                format!("expected a metric name or `{{`, found {}", self.found()),
            ));
        }
        if self.pos < self.text.len() {
            let message = match self.peek() {
                Some('[') => "range selectors are not supported here: give the selector alone".to_string(),
                _ => format!("unexpected {} after the selector", self.found()),
            };
            return Err(self.error_at(self.pos, message));
        }
        let selector = Selector { name, matchers };
        let selects_something = selector.name.is_some() || selector.matchers.iter().any(|m| !m.matches(""));
        if !selects_something {
            return Err(self.error_at(
                0,
                "a selector needs a metric name or a matcher that does not match the empty string",
            ));
        }
        Ok(selector)
    }

    /// `{ matcher, ... }` with an optional trailing comma; `pos` is at `{`.
    fn matchers(&mut self, name: Option<&str>) -> Result<Vec<Matcher>, SelectorError> {
        let open = self.pos;
        self.bump();
        let mut matchers = Vec::new();
        loop {
            self.skip_blank();
            if self.eat("}") {
                return Ok(matchers);
            }
            if self.pos == self.text.len() {
                return Err(self.error_at(open, "unclosed `{`: expected a label matcher or `}`"));
            }
            matchers.push(self.matcher(name)?);
            self.skip_blank();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(matchers);
            }
            if self.pos == self.text.len() {
                return Err(self.error_at(open, "unclosed `{`: expected `,` or `}`"));
            }
            return Err(self.error_at(self.pos, format!("expected `,` or `}}`, found {}", self.found())));
        }
    }

    fn matcher(&mut self, name: Option<&str>) -> Result<Matcher, SelectorError> {
        let label_at = self.pos;
        let Some(label) = self.word(is_label_start, is_label_char) else {
            return Err(self.error_at(self.pos, format!("expected a label name, found {}", self.found())));
        };
        if label == NAME_LABEL
            && let Some(name) = name
        {
            return Err(self.error_at(
                label_at,
                format!("metric name `{name}` is already set: `{NAME_LABEL}` cannot set it again"),
            ));
        }
        self.skip_blank();
        let op = if self.eat("=~") {
            MatchOp::Re
        } else if self.eat("!~") {
            MatchOp::Nre
        } else if self.eat("!=") {
            MatchOp::Ne
        } else if self.eat("=") {
            MatchOp::Eq
        } else {
            return Err(self.error_at(
                self.pos,
                format!(
                    "expected `=`, `!=`, `=~` or `!~` after label {label}, found {}",
                    self.found()
                ),
            ));
        };
        self.skip_blank();
        let value_at = self.pos;
        let value = self.string(label)?;
        Matcher::new(label, op, value).map_err(|e| {
            self.error_at(
                value_at,
                format!(
                    "invalid regular expression for label {label}: {}",
                    regex_reason(&e)
                ),
            )
        })
    }

    /// A quoted PromQL string; `pos` is at its opening quote.
    fn string(&mut self, label: &str) -> Result<String, SelectorError> {
        let open = self.pos;
        let quote = match self.peek() {
            Some(q @ ('"' | '\'' | '`')) => q,
            _ => {
                return Err(self.error_at(
                    self.pos,
                    format!(
                        "expected a quoted string as the value of label {label}, found {}",
                        self.found()
                    ),
                ));
            }
        };
        self.bump();
        let unterminated =
            |p: &Self| p.error_at(open, format!("unterminated string in the value of label {label}"));
        let mut bytes = Vec::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => return Err(unterminated(self)),
                Some(c) if c == quote => break,
                Some('\n') if quote != '`' => return Err(unterminated(self)),
                Some('\\') if quote != '`' => self.escape(at, quote, &mut bytes)?,
                Some(c) => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        String::from_utf8(bytes).map_err(|_| {
            self.error_at(
                open,
                format!("the value of label {label} is not valid UTF-8 once its escapes are decoded"),
            )
        })
    }

    /// One escape sequence; `at` is its backslash, `pos` the character after.
    fn escape(&mut self, at: usize, quote: char, bytes: &mut Vec<u8>) -> Result<(), SelectorError> {
        let simple = match self.bump() {
            None => return Err(self.error_at(at, "unterminated escape sequence")),
            Some('a') => Some(b'\x07'),
            Some('b') => Some(b'\x08'),
            Some('f') => Some(b'\x0c'),
            Some('n') => Some(b'\n'),
            Some('r') => Some(b'\r'),
            Some('t') => Some(b'\t'),
            Some('v') => Some(b'\x0b'),
            Some('\\') => Some(b'\\'),
            Some(c) if c == quote => Some(c as u8),
            Some(_) => None,
        };
        if let Some(byte) = simple {
            bytes.push(byte);
            return Ok(());
        }
        let kind = self.text[at + 1..].chars().next().unwrap_or('\\');
        let (digits, radix) = match kind {
            '0'..='7' => (3, 8),
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            other => return Err(self.error_at(at, format!("unknown escape sequence `\\{other}`"))),
        };
        // Octal escapes start at the digit just read.
        let start = if radix == 8 { at + 1 } else { self.pos };
        let code = self.text[start..]
            .get(..digits)
            .filter(|d| d.chars().all(|c| c.is_digit(radix)))
            .and_then(|d| u32::from_str_radix(d, radix).ok())
            .ok_or_else(|| self.error_at(at, format!("`\\{kind}` needs {digits} digits of base {radix}")))?;
        self.pos = start + digits;
        match kind {
            'u' | 'U' => {
                let c = char::from_u32(code).ok_or_else(|| {
                    self.error_at(at, format!("`\\{kind}` escape is not a Unicode scalar value"))
                })?;
                bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            _ => {
                let byte =
                    u8::try_from(code).map_err(|_| self.error_at(at, "octal escape value above 255"))?;
                bytes.push(byte);
            }
        }
        Ok(())
    }
}

/// The regex crate's one-line reason (its message also draws the pattern).
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find_map(|line| line.strip_prefix("error: "))
        .unwrap_or(text.trim())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse(text: &str) -> Selector {
        Selector::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn error(text: &str) -> (usize, String) {
        match Selector::parse(text) {
            Ok(s) => panic!("{text} parsed as {s:?}"),
            Err(e) => (e.column, e.message),
        }
    }

    fn ops(selector: &Selector) -> Vec<(&str, MatchOp, &str)> {
        selector
            .matchers
            .iter()
            .map(|m| (m.label.as_str(), m.op, m.value.as_str()))
            .collect()
    }

    #[test]
    fn bare_name_with_colons() {
        let s = parse("slo:sli_error:ratio_rate5m");
        assert_eq!(s.name.as_deref(), Some("slo:sli_error:ratio_rate5m"));
        assert!(s.matchers.is_empty());
        assert_eq!(s.metric_name(), Some("slo:sli_error:ratio_rate5m"));
        assert_eq!(s.to_string(), "slo:sli_error:ratio_rate5m");
    }

    #[test]
    fn every_operator() {
        let s = parse(r#"mda_http_requests_total{a="b",c=~"5..",d!="",e!~"x|y"}"#);
        assert_eq!(s.name.as_deref(), Some("mda_http_requests_total"));
        assert_eq!(
            ops(&s),
            [
                ("a", MatchOp::Eq, "b"),
                ("c", MatchOp::Re, "5.."),
                ("d", MatchOp::Ne, ""),
                ("e", MatchOp::Nre, "x|y"),
            ]
        );
        let name = "mda_http_requests_total";
        let all = labels(&[("a", "b"), ("c", "503"), ("d", "1"), ("e", "z")]);
        assert!(s.matches(name, &all));
        assert!(!s.matches("other", &all));
        // Each matcher alone can reject the series.
        let mut wrong_a = all.clone();
        wrong_a.insert("a".into(), "B".into());
        assert!(!s.matches(name, &wrong_a));
        let mut wrong_c = all.clone();
        wrong_c.insert("c".into(), "1503".into());
        assert!(!s.matches(name, &wrong_c), "regex must be anchored");
        let mut no_d = all.clone();
        no_d.remove("d");
        assert!(!s.matches(name, &no_d), "d!=\"\" requires d");
        let mut wrong_e = all.clone();
        wrong_e.insert("e".into(), "y".into());
        assert!(!s.matches(name, &wrong_e));
        // Absent e reads as "", which `x|y` does not match.
        let mut no_e = all;
        no_e.remove("e");
        assert!(s.matches(name, &no_e));
    }

    #[test]
    fn missing_label_reads_as_empty() {
        let s = parse(r#"x{env=""}"#);
        assert!(s.matches("x", &labels(&[])));
        assert!(s.matches("x", &labels(&[("env", "")])));
        assert!(!s.matches("x", &labels(&[("env", "prod")])));
        let s = parse(r#"x{env=~"prod|"}"#);
        assert!(s.matches("x", &labels(&[])));
        assert!(s.matches("x", &labels(&[("env", "prod")])));
        assert!(!s.matches("x", &labels(&[("env", "dev")])));
    }

    #[test]
    fn name_as_a_matcher() {
        let s = parse(r#"{__name__="x"}"#);
        assert_eq!(s.name, None);
        assert_eq!(s.metric_name(), Some("x"));
        assert!(s.matches("x", &labels(&[])));
        assert!(!s.matches("y", &labels(&[])));
        assert_eq!(s.to_string(), r#"{__name__="x"}"#);

        let s = parse(r#"{__name__=~"mda_.*_total", route!=""}"#);
        assert_eq!(s.metric_name(), None);
        assert!(s.matches("mda_http_requests_total", &labels(&[("route", "/")])));
        assert!(!s.matches("mda_http_requests_total", &labels(&[])));
        assert!(!s.matches("mda_ws_clients", &labels(&[("route", "/")])));
    }

    #[test]
    fn quotes_route_with_braces() {
        let s = parse(r#"mda_http_requests_total{route="/api/v1/quotes/{symbol}",status=~"5.."}"#);
        assert_eq!(
            ops(&s),
            [
                ("route", MatchOp::Eq, "/api/v1/quotes/{symbol}"),
                ("status", MatchOp::Re, "5.."),
            ]
        );
        let series = labels(&[
            ("method", "GET"),
            ("route", "/api/v1/quotes/{symbol}"),
            ("status", "503"),
        ]);
        assert!(s.matches("mda_http_requests_total", &series));
        assert_eq!(
            s.to_string(),
            r#"mda_http_requests_total{route="/api/v1/quotes/{symbol}",status=~"5.."}"#
        );
        // Braces in a regex too.
        let s = parse(r#"x{route=~"/api/v1/quotes/\\{symbol\\}"}"#);
        assert_eq!(s.matchers[0].value, r"/api/v1/quotes/\{symbol\}");
        assert!(s.matches("x", &labels(&[("route", "/api/v1/quotes/{symbol}")])));
    }

    #[test]
    fn escapes_are_decoded() {
        let s = parse(r#"x{a="say \"hi\"",b="back\\slash",c="line\nbreak",d="\t\x41\101\u00e9\U0001F600"}"#);
        assert_eq!(
            ops(&s),
            [
                ("a", MatchOp::Eq, "say \"hi\""),
                ("b", MatchOp::Eq, "back\\slash"),
                ("c", MatchOp::Eq, "line\nbreak"),
                ("d", MatchOp::Eq, "\tAAé😀"),
            ]
        );
        // Byte escapes that form UTF-8 together.
        assert_eq!(parse(r#"x{a="\xe2\x82\xac"}"#).matchers[0].value, "€");
        // Single quotes take `\'`; backquotes take nothing and keep it all.
        assert_eq!(parse(r"x{a='it\'s'}").matchers[0].value, "it's");
        assert_eq!(parse(r#"x{a=`C:\dir "q"`}"#).matchers[0].value, r#"C:\dir "q""#);
        assert_eq!(parse("x{a=`two\nlines`}").matchers[0].value, "two\nlines");
    }

    #[test]
    fn display_round_trips_escapes() {
        let s = parse(r#"x{a="say \"hi\"",b="back\\slash",c="line\nbreak\x01",d="é😀"}"#);
        let text = s.to_string();
        assert_eq!(
            text,
            r#"x{a="say \"hi\"",b="back\\slash",c="line\nbreak\x01",d="é😀"}"#
        );
        assert_eq!(parse(&text), s);
        // Single-quoted and raw input comes out double-quoted.
        assert_eq!(parse(r#"x{a='q"q'}"#).to_string(), r#"x{a="q\"q"}"#);
        assert_eq!(parse(r"x{a=`\d+`}").to_string(), r#"x{a="\\d+"}"#);
    }

    #[test]
    fn display_is_canonical() {
        let s = parse("  mda_x  {\n  z =~ \"a|b\" ,\t a != 'q' , }  ");
        assert_eq!(s.to_string(), r#"mda_x{a!="q",z=~"a|b"}"#);
        assert_eq!(
            parse(r#"{b="1",__name__="x"}"#).to_string(),
            r#"{__name__="x",b="1"}"#
        );
        assert_eq!(parse("x{}").to_string(), "x");
        // A name PromQL would read as a number is written as a matcher.
        assert_eq!(parse("Inf").to_string(), r#"{__name__="Inf"}"#);
        assert!(parse(&parse("nan").to_string()).matches("nan", &labels(&[])));
    }

    #[test]
    fn whitespace_and_comments_are_tolerated() {
        let s = parse("\n\tx # the metric\n{ a = \"b\" # why\n, }\n");
        assert_eq!(s.name.as_deref(), Some("x"));
        assert_eq!(ops(&s), [("a", MatchOp::Eq, "b")]);
    }

    #[test]
    fn bad_inputs_say_what_and_where() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 1, "empty selector"),
            ("   ", 4, "empty selector"),
            ("{}", 1, "needs a metric name or a matcher"),
            (r#"{a=""}"#, 1, "needs a metric name or a matcher"),
            (r#"{a=~".*"}"#, 1, "needs a metric name or a matcher"),
            (r#"{a!~".+"}"#, 1, "needs a metric name or a matcher"),
            (r#"x{a="b}"#, 5, "unterminated string in the value of label a"),
            ("x{a=\"b\nc\"}", 5, "unterminated string"),
            (r#"x{a="b""#, 2, "unclosed `{`"),
            ("x{", 2, "unclosed `{`"),
            ("x{a", 4, "expected `=`, `!=`, `=~` or `!~` after label a"),
            (
                r#"x{a=="b"}"#,
                5,
                "expected a quoted string as the value of label a",
            ),
            ("x{a=b}", 5, "expected a quoted string"),
            (r#"x{a~"b"}"#, 4, "expected `=`"),
            (r#"x{1a="b"}"#, 3, r#"expected a label name, found `1a="b"}`"#),
            (r#"x{a-b="c"}"#, 4, "expected `=`"),
            (r#"x{,}"#, 3, "expected a label name"),
            (r#"x{a="b" c="d"}"#, 9, "expected `,` or `}`"),
            (
                r#"x{a=~"(5.."}"#,
                6,
                "invalid regular expression for label a: unclosed group",
            ),
            (r#"x{a=~"a)|(b"}"#, 6, "invalid regular expression for label a"),
            (r#"x{a!~"*"}"#, 6, "invalid regular expression"),
            (r#"x{a="\q"}"#, 6, "unknown escape sequence `\\q`"),
            (r#"x{a="\'"}"#, 6, "unknown escape sequence"),
            (r#"x{a="\x4"}"#, 6, "`\\x` needs 2 digits of base 16"),
            (r#"x{a="\777"}"#, 6, "octal escape value above 255"),
            (r#"x{a="\ud800"}"#, 6, "not a Unicode scalar value"),
            (r#"x{a="\xff"}"#, 5, "not valid UTF-8"),
            (r#"x{__name__="y"}"#, 3, "metric name `x` is already set"),
            ("x[5m]", 2, "range selectors are not supported"),
            ("x offset 5m", 3, "unexpected `offset 5m`"),
            (r#"x{a="b"}}"#, 9, "unexpected `}`"),
            ("1x", 1, "expected a metric name or `{`, found `1x`"),
            ("sum(x)", 4, "unexpected `(x)`"),
            ("é", 1, "expected a metric name or `{`"),
            ("\u{0}\u{1}garbage{{", 1, "expected a metric name"),
        ];
        for &(text, column, message) in cases {
            let (got_column, got_message) = error(text);
            assert!(
                got_message.contains(message),
                "{text:?}: message {got_message:?} lacks {message:?}"
            );
            assert_eq!(got_column, column, "{text:?}: {got_message}");
        }
        // Columns count characters, not bytes.
        assert_eq!(error(r#"x{é="b"}"#).0, 3);
        assert_eq!(error(r#"x{a="é",b=c}"#).0, 11);
        assert_eq!(
            Selector::parse("x{a").unwrap_err().to_string(),
            "column 4: expected `=`, `!=`, `=~` or `!~` after label a, found the end of the selector"
        );
    }

    #[test]
    fn random_text_never_panics() {
        let alphabet: Vec<char> = "ab_:{}=!~,\"'`\\ 5.|*()[]#\nxé".chars().collect();
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..(state % 20) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            if let Ok(s) = Selector::parse(&text) {
                // Whatever reads must print as text that reads back the same.
                let printed = s.to_string();
                let again =
                    Selector::parse(&printed).unwrap_or_else(|e| panic!("{text:?} -> {printed:?}: {e}"));
                assert_eq!(again.to_string(), printed);
            }
            state = state.wrapping_add(1);
        }
    }

    #[test]
    fn programmatic_matchers() {
        let m = Matcher::new("code", MatchOp::Re, "5..").unwrap();
        assert!(m.matches("503"));
        assert!(!m.matches("5030"));
        assert!(Matcher::new("code", MatchOp::Re, "(").is_err());
        assert!(Matcher::new("code", MatchOp::Eq, "(").is_ok());
        let s = Selector {
            name: Some("x".into()),
            matchers: vec![Matcher::new("route", MatchOp::Eq, "a\"b").unwrap()],
        };
        assert_eq!(s.to_string(), r#"x{route="a\"b"}"#);
        assert_eq!("x".parse::<Selector>().unwrap().name.as_deref(), Some("x"));
    }
}
