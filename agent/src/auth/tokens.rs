//! Static bearer tokens from a file, one per line: `<token> <role> <name>`.
//!
//! ```text
//! # token                                   role      name
//! 5f0c1e...d2a9                              operator  ann
//! sha256:9f86d081884c7d659a2feaa0c55ad015... viewer    grafana
//! ```
//!
//! A token is at least 16 printable ASCII characters; `sha256:<64 hex>`
//! stores only the SHA-256 of the token instead, so the file need not hold
//! the secret itself. Only digests are kept in memory, and a presented token
//! is compared with every entry in constant time, so neither the match nor
//! its position shows in the response time.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::roles::Role;

/// Shortest accepted token: 16 characters, e.g. 8 random bytes in hex.
const MIN_TOKEN_CHARS: usize = 16;
/// Longest principal name.
const MAX_NAME_CHARS: usize = 64;

type Digest = [u8; 32];

/// One configured token: who it is and what it may do.
#[derive(Clone, PartialEq, Eq)]
struct Entry {
    digest: Digest,
    role: Role,
    name: String,
}

/// The tokens of one file.
#[derive(Clone, Default)]
pub(crate) struct StaticTokens {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for StaticTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StaticTokens({} entries)", self.entries.len())
    }
}

impl StaticTokens {
    /// Parses the file's text; errors name the 1-based line, never the token.
    pub fn parse(text: &str) -> Result<StaticTokens, String> {
        let mut entries: Vec<Entry> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |reason: String| format!("line {}: {reason}", i + 1);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [token, role, name] = fields[..] else {
                return Err(fail(format!(
                    "expected `<token> <role> <name>`, found {} fields",
                    fields.len()
                )));
            };
            let digest = digest_of(token).map_err(fail)?;
            let role = Role::parse(role)
                .ok_or_else(|| fail(format!("unknown role {role:?}; roles are {}", Role::NAMES)))?;
            check_name(name).map_err(fail)?;
            if entries.iter().any(|e| e.digest == digest) {
                return Err(fail("the same token is listed twice".to_string()));
            }
            if entries.iter().any(|e| e.name == name) {
                return Err(fail(format!("the name {name:?} is listed twice")));
            }
            entries.push(Entry {
                digest,
                role,
                name: name.to_string(),
            });
        }
        Ok(StaticTokens { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The role and name of `token`, looking at every entry whatever matches.
    pub fn find(&self, token: &[u8]) -> Option<(Role, &str)> {
        let presented: Digest = Sha256::digest(token).into();
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.digest.ct_eq(&presented)) {
                found = Some((entry.role, entry.name.as_str()));
            }
        }
        found
    }
}

/// The digest a token field stands for: the SHA-256 of a plain token, or
/// the digest given as `sha256:<hex>`.
fn digest_of(field: &str) -> Result<Digest, String> {
    if let Some(hex) = field.strip_prefix("sha256:") {
        return parse_hex(hex).ok_or_else(|| "sha256: must be followed by 64 hex digits".to_string());
    }
    if field.chars().count() < MIN_TOKEN_CHARS {
        return Err(format!("a token must be at least {MIN_TOKEN_CHARS} characters"));
    }
    if !field.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a token must be printable ASCII".to_string());
    }
    Ok(Sha256::digest(field.as_bytes()).into())
}

fn parse_hex(hex: &str) -> Option<Digest> {
    if hex.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(digest)
}

/// Names show in the audit log and metrics: short, plain characters.
fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the name {name:?} must be 1 to {MAX_NAME_CHARS} letters, digits or . _ - @"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANN: &str = "ann-0123456789abcdef";

    #[test]
    fn lines_parse_into_roles_and_names() {
        let hashed = format!("sha256:{:x}", Sha256::digest(b"grafana-0123456789"));
        let text = format!("# comment\n\n{ANN} operator ann\n  {hashed}\tviewer  grafana \n");
        let tokens = StaticTokens::parse(&text).unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens.find(ANN.as_bytes()), Some((Role::Operator, "ann")));
        assert_eq!(
            tokens.find(b"grafana-0123456789"),
            Some((Role::Viewer, "grafana"))
        );
        assert_eq!(
            tokens.find(hashed.as_bytes()),
            None,
            "the digest is not the token"
        );
        assert_eq!(tokens.find(&ANN.as_bytes()[1..]), None);
        assert_eq!(tokens.find(b""), None);
        assert_eq!(format!("{tokens:?}"), "StaticTokens(2 entries)");
    }

    #[test]
    fn bad_lines_name_the_line_and_never_the_token() {
        for (text, needle) in [
            (
                format!("{ANN} operator"),
                "line 1: expected `<token> <role> <name>`, found 2",
            ),
            (format!("\n{ANN} root ann"), "line 2: unknown role \"root\""),
            (
                "short operator ann".to_string(),
                "line 1: a token must be at least 16",
            ),
            (format!("{ANN} admin a/b"), "line 1: the name \"a/b\" must be"),
            (
                format!("{ANN} admin ann\n{ANN} viewer bob"),
                "line 2: the same token is listed twice",
            ),
            (
                format!("{ANN} admin ann\nbob-0123456789abcdef viewer ann"),
                "line 2: the name \"ann\" is listed twice",
            ),
            (
                "sha256:abc admin ann".to_string(),
                "line 1: sha256: must be followed",
            ),
        ] {
            let err = StaticTokens::parse(&text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
            assert!(!err.contains(ANN), "the token leaked: {err}");
        }
    }
}
