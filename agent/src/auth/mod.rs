//! Authentication and roles for the routes that act (and, when configured,
//! for the read routes).
//!
//! A caller presents `Authorization: Bearer <token>`. The token is one of:
//! the admin token of [`crate::AdminToken`] (role admin), a static token
//! from `auth.tokens_file` ([`tokens`]), or a JWT ([`jwt`]). What a route
//! needs is a [`Role`]; the HTTP side ([`crate::http`]) turns the outcome
//! into 401, 403 or the handler.

pub mod config;
mod jwt;
pub(crate) mod rate;
pub(crate) mod roles;
mod tokens;

use std::path::Path;

pub use config::{AuthConfig, JwtConfig};
pub(crate) use roles::Role;
use tokens::StaticTokens;

use crate::config::{AdminToken, AgentConfig, read_private_file};

/// The name of whoever presents the admin token.
pub(crate) const ADMIN_PRINCIPAL: &str = "admin token";

/// Longest key or token file read, bytes.
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

/// Who made a request, as the audit log and the rate limit name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    pub name: String,
    pub role: Role,
    /// How it proved who it is: `admin_token`, `static_token` or `jwt`.
    pub via: &'static str,
}

/// Why a presented token (or its absence) was refused: the `reason` label
/// of `mda_auth_failures_total`, and the message of the 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    Missing,
    Malformed,
    UnknownToken,
    Expired,
    NotYetValid,
    BadSignature,
    WrongAlgorithm,
    BadClaims(String),
}

impl Failure {
    pub fn reason(&self) -> &'static str {
        match self {
            Failure::Missing => "missing",
            Failure::Malformed => "malformed",
            Failure::UnknownToken => "unknown_token",
            Failure::Expired => "expired",
            Failure::NotYetValid => "not_yet_valid",
            Failure::BadSignature => "bad_signature",
            Failure::WrongAlgorithm => "wrong_algorithm",
            Failure::BadClaims(_) => "bad_claims",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Missing => "this route needs the header Authorization: Bearer <token>".to_string(),
            Failure::Malformed => "the bearer token is not a token this agent reads".to_string(),
            Failure::UnknownToken => "the bearer token is not known to this agent".to_string(),
            Failure::Expired => "the token has expired (exp)".to_string(),
            Failure::NotYetValid => "the token is not valid yet (nbf)".to_string(),
            Failure::BadSignature => "the token's signature does not verify".to_string(),
            Failure::WrongAlgorithm => {
                "the token's algorithm is not accepted here (HS256 or RS256, as configured)".to_string()
            }
            Failure::BadClaims(why) => format!("the token's claims are not acceptable: {why}"),
        }
    }

    /// Every reason, so each series exists from the start.
    pub const REASONS: [&'static str; 9] = [
        "missing",
        "malformed",
        "unknown_token",
        "expired",
        "not_yet_valid",
        "bad_signature",
        "wrong_algorithm",
        "bad_claims",
        "forbidden",
    ];
}

/// Everything that can prove who a caller is.
pub(crate) struct Authenticator {
    admin: Option<AdminToken>,
    tokens: StaticTokens,
    jwt: Option<jwt::JwtVerifier>,
}

/// A key or token file that cannot be used, naming the config key.
#[derive(Debug, thiserror::Error)]
#[error("{key} = {path:?}: {reason}")]
pub struct AuthSetupError {
    key: &'static str,
    path: String,
    reason: String,
}

impl Authenticator {
    /// Reads the files `config.auth` names. A token or secret file that
    /// group or others may read is refused, like a bad line in it.
    pub fn load(config: &AgentConfig) -> Result<Authenticator, AuthSetupError> {
        let auth = &config.auth;
        let fail = |key: &'static str, path: &str| {
            let path = path.to_string();
            move |reason: String| AuthSetupError {
                key,
                path: path.clone(),
                reason,
            }
        };
        let tokens = match auth.tokens_file.as_str() {
            "" => StaticTokens::default(),
            path => {
                let text = read_private_file(Path::new(path), MAX_KEY_FILE_BYTES)
                    .map_err(fail("auth.tokens_file", path))?;
                StaticTokens::parse(&text).map_err(fail("auth.tokens_file", path))?
            }
        };
        let jwt = &auth.jwt;
        let secret = match jwt.hs256_secret_file.as_str() {
            "" => None,
            path => {
                let fail = fail("auth.jwt.hs256_secret_file", path);
                let secret = read_private_file(Path::new(path), MAX_KEY_FILE_BYTES).map_err(&fail)?;
                let secret = secret.trim().to_string();
                if secret.len() < jwt::MIN_SECRET_BYTES {
                    return Err(fail(format!(
                        "the secret is {} bytes; HS256 needs at least {}",
                        secret.len(),
                        jwt::MIN_SECRET_BYTES
                    )));
                }
                Some(secret)
            }
        };
        let public_key = match jwt.rs256_public_key_file.as_str() {
            "" => None,
            path => Some(
                std::fs::read(path)
                    .map_err(|e| fail("auth.jwt.rs256_public_key_file", path)(format!("cannot read: {e}")))?,
            ),
        };
        let verifier = if secret.is_some() || public_key.is_some() {
            let optional = |s: &str| (!s.is_empty()).then(|| s.to_string());
            let verifier = jwt::JwtVerifier::new(
                secret.as_deref().map(str::as_bytes),
                public_key.as_deref(),
                optional(&jwt.issuer),
                optional(&jwt.audience),
                jwt.leeway_s,
            )
            .map_err(fail("auth.jwt.rs256_public_key_file", &jwt.rs256_public_key_file))?;
            Some(verifier)
        } else {
            None
        };
        Ok(Authenticator {
            admin: config.admin_token.clone(),
            tokens,
            jwt: verifier,
        })
    }

    /// Whether any way to authenticate is configured; without one, the
    /// acting routes are off.
    pub fn is_configured(&self) -> bool {
        self.admin.is_some() || self.tokens.len() > 0 || self.jwt.is_some()
    }

    /// What the agent accepts, for the start-up log.
    pub fn describe(&self) -> String {
        let mut ways = Vec::new();
        if self.admin.is_some() {
            ways.push("admin token".to_string());
        }
        if self.tokens.len() > 0 {
            ways.push(format!("{} static tokens", self.tokens.len()));
        }
        if self.jwt.is_some() {
            ways.push("JWT".to_string());
        }
        ways.join(", ")
    }

    /// The caller behind the `Authorization` header's value.
    pub fn authenticate(&self, authorization: Option<&[u8]>) -> Result<Principal, Failure> {
        let token = bearer(authorization.ok_or(Failure::Missing)?).ok_or(Failure::Malformed)?;
        if let Some(admin) = &self.admin
            && admin.matches(token)
        {
            return Ok(Principal {
                name: ADMIN_PRINCIPAL.to_string(),
                role: Role::Admin,
                via: "admin_token",
            });
        }
        if let Some((role, name)) = self.tokens.find(token) {
            return Ok(Principal {
                name: name.to_string(),
                role,
                via: "static_token",
            });
        }
        match (&self.jwt, looks_like_jwt(token)) {
            (Some(jwt), Some(token)) => jwt.verify(token).map(|(role, name)| Principal {
                name,
                role,
                via: "jwt",
            }),
            _ => Err(Failure::UnknownToken),
        }
    }
}

/// A token of three base64url parts is taken for a JWT.
fn looks_like_jwt(token: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(token).ok()?;
    let parts = text.split('.').count();
    let base64url = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    (parts == 3 && base64url).then_some(text)
}

/// The credentials of an `Authorization: Bearer <token>` value (the scheme
/// is case-insensitive).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") || rest.first() != Some(&b' ') {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_credentials() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer   abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Bearerabc"), None);
        assert_eq!(bearer(b"Bearer "), None);
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bear"), None);
    }

    #[test]
    fn tokens_of_every_kind_are_told_apart() {
        let mut config = AgentConfig::embedded();
        config.admin_token = Some(AdminToken::new("the-admin-token").unwrap());
        let mut auth = Authenticator::load(&config).unwrap();
        auth.tokens = StaticTokens::parse("viewer-0123456789ab viewer grafana\n").unwrap();
        let admin = auth.authenticate(Some(b"Bearer the-admin-token")).unwrap();
        assert_eq!((admin.role, admin.via), (Role::Admin, "admin_token"));
        let viewer = auth.authenticate(Some(b"Bearer viewer-0123456789ab")).unwrap();
        assert_eq!((viewer.name.as_str(), viewer.role), ("grafana", Role::Viewer));
        assert_eq!(auth.authenticate(None), Err(Failure::Missing));
        assert_eq!(auth.authenticate(Some(b"Basic x")), Err(Failure::Malformed));
        assert_eq!(
            auth.authenticate(Some(b"Bearer nope")),
            Err(Failure::UnknownToken)
        );
        assert_eq!(
            auth.authenticate(Some(b"Bearer a.b.c")),
            Err(Failure::UnknownToken),
            "a JWT where none is configured"
        );
        assert_eq!(looks_like_jwt(b"aa.bb.cc"), Some("aa.bb.cc"));
        assert_eq!(looks_like_jwt(b"aa.bb"), None);
        assert_eq!(looks_like_jwt(b"a a.b.c"), None);
    }
}
