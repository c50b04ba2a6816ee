//! The `/` filter every list screen shares: plain text is a case-insensitive
//! substring; text starting with `~` is a regular expression (case
//! sensitive unless it says `(?i)`). A bad expression matches nothing and
//! says why, rather than showing every row as if no filter were set.

use regex::Regex;

/// Starts a regular expression; anything else is plain text.
pub const REGEX_PREFIX: char = '~';

/// Compiled expressions bigger than this are refused: a filter is typed by
/// hand and must not stall the frame.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A parsed filter.
#[derive(Debug, Clone)]
pub enum Filter {
    /// Lower-cased text, matched case-insensitively; empty matches all.
    Substring(String),
    Regex(Regex),
}

impl Filter {
    /// Plain text, or `~REGEX`; `Err` says what is wrong with the expression.
    pub fn parse(text: &str) -> Result<Filter, String> {
        match text.strip_prefix(REGEX_PREFIX) {
            Some(pattern) => regex::RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map(Filter::Regex)
                .map_err(|error| format!("invalid regex: {}", first_line(&error.to_string()))),
            None => Ok(Filter::Substring(text.to_lowercase())),
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        match self {
            Filter::Substring(needle) => needle.is_empty() || contains_ignore_case(text, needle),
            Filter::Regex(regex) => regex.is_match(text),
        }
    }
}

/// The regex crate words its errors over several lines, with the pattern
/// drawn above a caret; the status line has room for the last line, which
/// says what is wrong.
fn first_line(error: &str) -> &str {
    error
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map_or(error, |l| l.strip_prefix("error: ").unwrap_or(l))
}

/// `needle` is lower case. ASCII text (symbols, names) is compared without
/// allocating.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

/// A filter as the operator edits it: the text typed and what it parses to,
/// kept together so the expression is compiled once per keystroke, not per
/// frame.
#[derive(Debug, Clone)]
pub struct FilterInput {
    text: String,
    parsed: Result<Filter, String>,
}

impl Default for FilterInput {
    fn default() -> FilterInput {
        FilterInput {
            text: String::new(),
            parsed: Ok(Filter::Substring(String::new())),
        }
    }
}

impl FilterInput {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn push(&mut self, c: char) {
        self.text.push(c);
        self.reparse();
    }

    pub fn pop(&mut self) -> Option<char> {
        let c = self.text.pop();
        self.reparse();
        c
    }

    pub fn clear(&mut self) {
        *self = FilterInput::default();
    }

    /// Why the text is not a valid filter; `None` when it is.
    pub fn error(&self) -> Option<&str> {
        self.parsed.as_ref().err().map(String::as_str)
    }

    /// Whether `text` passes; nothing passes an invalid filter.
    pub fn matches(&self, text: &str) -> bool {
        self.parsed.as_ref().is_ok_and(|f| f.matches(text))
    }

    /// Whether any of `texts` passes.
    pub fn matches_any<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> bool {
        self.is_empty() || texts.into_iter().any(|t| self.matches(t))
    }

    fn reparse(&mut self) {
        self.parsed = Filter::parse(&self.text);
    }
}

impl From<&str> for FilterInput {
    fn from(text: &str) -> FilterInput {
        FilterInput {
            text: text.to_string(),
            parsed: Filter::parse(text),
        }
    }
}

/// Two inputs are equal when their text is: the parse follows from it.
impl PartialEq for FilterInput {
    fn eq(&self, other: &FilterInput) -> bool {
        self.text == other.text
    }
}

impl PartialEq<&str> for FilterInput {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_a_case_insensitive_substring() {
        let f = Filter::parse("usd").unwrap();
        assert!(f.matches("BTC-USD"));
        assert!(f.matches("usdt"));
        assert!(!f.matches("BTC-EUR"));
        assert!(Filter::parse("").unwrap().matches("anything"));
        // Non-ASCII text folds case too.
        assert!(Filter::parse("ÉTÉ").unwrap().matches("l'été"));
        // Regex syntax in plain text is literal.
        assert!(Filter::parse("a.c").unwrap().matches("xA.Cx"));
        assert!(!Filter::parse("a.c").unwrap().matches("abc"));
        // A needle longer than the text.
        assert!(!Filter::parse("btc-usd-long").unwrap().matches("btc"));
    }

    #[test]
    fn a_tilde_starts_a_regex() {
        let f = Filter::parse("~^(BTC|ETH)-").unwrap();
        assert!(f.matches("BTC-USD"));
        assert!(f.matches("ETH-EUR"));
        assert!(!f.matches("XBTC-USD"));
        // Case sensitive unless asked.
        assert!(!f.matches("btc-usd"));
        assert!(Filter::parse("~(?i)^btc").unwrap().matches("BTC-USD"));
        // `~` alone is the empty regex: everything.
        assert!(Filter::parse("~").unwrap().matches("x"));
    }

    #[test]
    fn a_bad_regex_is_an_error_that_names_the_problem() {
        let error = Filter::parse("~(BTC").unwrap_err();
        assert!(error.starts_with("invalid regex: "), "{error}");
        assert!(error.contains("unclosed group"), "{error}");
        assert!(!error.contains('\n'), "{error}");
        let error = Filter::parse("~[z-a]").unwrap_err();
        assert!(error.contains("invalid character class range"), "{error}");
        // Too big to compile quickly.
        let error = Filter::parse("~\\w{1000}{1000}").unwrap_err();
        assert!(error.starts_with("invalid regex: "), "{error}");
    }

    #[test]
    fn input_reparses_as_typed_and_a_bad_regex_matches_nothing() {
        let mut input = FilterInput::default();
        assert!(input.matches("x") && input.matches_any(["x"]));
        for c in "~(b".chars() {
            input.push(c);
        }
        assert_eq!(input, "~(b");
        assert!(input.error().is_some());
        assert!(!input.matches("b"));
        assert!(!input.matches_any(["b", "(b"]));
        input.push(')');
        assert_eq!(input.error(), None);
        assert!(input.matches("abc"));
        assert!(!input.matches("ABC"));
        input.pop();
        assert!(input.error().is_some());
        input.clear();
        assert!(input.is_empty() && input.error().is_none());
        for c in "Eth".chars() {
            input.push(c);
        }
        assert!(input.matches_any(["BTC", "eth-usd"]));
        assert!(!input.matches_any(["BTC", "SOL"]));
    }
}
