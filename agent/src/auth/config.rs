//! `[auth]`: who may call the routes that act. Paths only: secrets live in
//! files (or the admin token in the environment), never in the config file.

use serde::Deserialize;

use crate::config::range_u64;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Static tokens, `<token> <role> <name>` per line; mode 0600. Empty: none.
    pub tokens_file: String,
    /// Close the read routes (all but `/health` and `/ready`) to callers
    /// without at least a viewer token.
    pub protect_reads: bool,
    /// Actions one caller may run per minute (`POST /api/v1/actions/...`);
    /// 0: no limit.
    #[serde(deserialize_with = "range_u32::<_, 0, 100_000>")]
    pub actions_per_minute: u32,
    pub jwt: JwtConfig,
}

/// JWT bearer tokens; either key (or both) turns them on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtConfig {
    /// HS256 shared secret (at least 32 bytes); mode 0600. Empty: no HS256.
    pub hs256_secret_file: String,
    /// RS256 public key, PEM. Empty: no RS256.
    pub rs256_public_key_file: String,
    /// Required `iss` claim; empty: not checked.
    pub issuer: String,
    /// Required `aud` claim; empty: not checked.
    pub audience: String,
    /// Clock skew allowed on `exp` and `nbf`, s.
    #[serde(deserialize_with = "range_u64::<_, 0, 300>")]
    pub leeway_s: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            tokens_file: String::new(),
            protect_reads: false,
            actions_per_minute: 10,
            jwt: JwtConfig::default(),
        }
    }
}

impl Default for JwtConfig {
    fn default() -> Self {
        JwtConfig {
            hs256_secret_file: String::new(),
            rs256_public_key_file: String::new(),
            issuer: String::new(),
            audience: String::new(),
            leeway_s: 30,
        }
    }
}

fn range_u32<'de, D: serde::Deserializer<'de>, const LO: u64, const HI: u64>(d: D) -> Result<u32, D::Error> {
    let v = range_u64::<D, LO, HI>(d)?;
    u32::try_from(v).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use crate::config::{AgentConfig, ConfigError};

    #[test]
    fn auth_keys_parse_and_are_checked_with_line_and_key() {
        let config = AgentConfig::from_toml_str(
            "[auth]\ntokens_file = \"t\"\nprotect_reads = true\n[auth.jwt]\nleeway_s = 5\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(config.auth.tokens_file, "t");
        assert!(config.auth.protect_reads);
        assert_eq!(
            (config.auth.jwt.leeway_s, config.auth.actions_per_minute),
            (5, 10)
        );
        for (src, line, key) in [
            (
                "[auth]\n\nactions_per_minute = -1\n",
                3,
                "auth.actions_per_minute",
            ),
            ("[auth.jwt]\nleeway_s = 301\n", 2, "auth.jwt.leeway_s"),
            (
                "[auth.jwt]\nhs256_secret = \"inline\"\n",
                2,
                "auth.jwt.hs256_secret",
            ),
            ("[auth]\ntoken = \"inline\"\n", 2, "auth.token"),
        ] {
            match AgentConfig::from_toml_str(src, "t.toml").unwrap_err() {
                ConfigError::Invalid { line: l, key: k, .. } => {
                    assert_eq!((l, k.as_deref()), (line, Some(key)), "{src}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
