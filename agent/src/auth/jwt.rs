//! JWT bearer tokens: HS256 with a shared secret, RS256 with an RSA public
//! key; `exp` required, `nbf` checked when present, `sub` names the caller
//! and `role` says what it may do.
//!
//! `jsonwebtoken` parses the token and checks the claims; the signature
//! check is ring's, through the crate's [`CryptoProvider`] hook, so the
//! agent builds no second crypto stack. Only HS256 and RS256 are accepted:
//! the algorithm comes from the token's header, and each one is tried only
//! with its own kind of key, so an RS256 public key can never serve as an
//! HMAC secret (the classic algorithm confusion).

use jsonwebtoken::crypto::{CryptoProvider, JwtVerifier as CryptoVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature::{self, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey, Validation};
use serde::Deserialize;

use super::Failure;
use super::roles::Role;

/// Shortest HS256 secret: as long as the hash (RFC 7518, section 3.2).
pub(crate) const MIN_SECRET_BYTES: usize = 32;
/// Longest `sub` accepted.
const MAX_SUBJECT_CHARS: usize = 128;

/// What checks a token: the keys configured and the expected claims.
pub(crate) struct JwtVerifier {
    hs256: Option<DecodingKey>,
    rs256: Option<DecodingKey>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_s: u64,
}

/// The claims the agent reads; others (`iat`, `jti`, ...) are ignored.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    role: String,
}

impl JwtVerifier {
    /// A verifier; at least one key must be given, the secret at least
    /// [`MIN_SECRET_BYTES`] long. Fails only on a public key it cannot read.
    pub fn new(
        hs256_secret: Option<&[u8]>,
        rs256_public_pem: Option<&[u8]>,
        issuer: Option<String>,
        audience: Option<String>,
        leeway_s: u64,
    ) -> Result<JwtVerifier, String> {
        // Fails only when a provider is already installed, which then serves.
        let _ = RING.install_default();
        let rs256 = rs256_public_pem
            .map(|pem| {
                DecodingKey::from_rsa_pem(pem).map_err(|e| format!("not an RSA public key in PEM form: {e}"))
            })
            .transpose()?;
        Ok(JwtVerifier {
            hs256: hs256_secret.map(DecodingKey::from_secret),
            rs256,
            issuer,
            audience,
            leeway_s,
        })
    }

    /// The caller's role and name, or why the token is refused.
    pub fn verify(&self, token: &str) -> Result<(Role, String), Failure> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Failure::Malformed)?;
        let key = match header.alg {
            Algorithm::HS256 => self.hs256.as_ref(),
            Algorithm::RS256 => self.rs256.as_ref(),
            _ => None,
        }
        .ok_or(Failure::WrongAlgorithm)?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.leeway_s;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            validation.required_spec_claims.insert("iss".to_string());
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                validation.required_spec_claims.insert("aud".to_string());
            }
            None => validation.validate_aud = false,
        }
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation).map_err(|e| failure(&e))?;
        let Claims { sub, role } = data.claims;
        let role = Role::parse(&role)
            .ok_or_else(|| Failure::BadClaims(format!("role {role:?} is not one of {}", Role::NAMES)))?;
        let n = sub.chars().count();
        if n == 0 || n > MAX_SUBJECT_CHARS || sub.chars().any(char::is_control) {
            return Err(Failure::BadClaims(format!(
                "sub must be 1 to {MAX_SUBJECT_CHARS} printable characters"
            )));
        }
        Ok((role, sub))
    }
}

fn failure(error: &Error) -> Failure {
    match error.kind() {
        ErrorKind::ExpiredSignature => Failure::Expired,
        ErrorKind::ImmatureSignature => Failure::NotYetValid,
        ErrorKind::InvalidSignature => Failure::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => Failure::WrongAlgorithm,
        ErrorKind::MissingRequiredClaim(claim) => Failure::BadClaims(format!("the claim {claim} is missing")),
        ErrorKind::InvalidClaimFormat(claim) => Failure::BadClaims(format!("the claim {claim} is malformed")),
        ErrorKind::InvalidIssuer => Failure::BadClaims("wrong issuer (iss)".to_string()),
        ErrorKind::InvalidAudience => Failure::BadClaims("wrong audience (aud)".to_string()),
        ErrorKind::Json(e) => Failure::BadClaims(format!("claims: {e}")),
        _ => Failure::Malformed,
    }
}

/// ring as jsonwebtoken's crypto: verification of HS256 and RS256 only.
static RING: CryptoProvider = CryptoProvider {
    signer_factory: no_signer,
    verifier_factory: ring_verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// The agent checks tokens; it never issues them.
fn no_signer(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn jsonwebtoken::crypto::JwtSigner>, Error> {
    Err(ErrorKind::Signing("this program only verifies tokens".to_string()).into())
}

fn ring_verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn CryptoVerifier>, Error> {
    match (algorithm, key.family(), key.kind()) {
        (Algorithm::HS256, AlgorithmFamily::Hmac, DecodingKeyKind::SecretOrDer(secret)) => Ok(Box::new(
            Hs256(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret)),
        )),
        (Algorithm::RS256, AlgorithmFamily::Rsa, DecodingKeyKind::SecretOrDer(der)) => {
            Ok(Box::new(Rs256(der.clone())))
        }
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

struct Hs256(ring::hmac::Key);

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        ring::hmac::verify(&self.0, message, signature).map_err(|_| signature::Error::new())
    }
}

impl CryptoVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

/// An RSA public key, PKCS#1 DER (what `DecodingKey::from_rsa_pem` keeps).
struct Rs256(Vec<u8>);

impl Verifier<Vec<u8>> for Rs256 {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &self.0)
            .verify(message, signature)
            .map_err(|_| signature::Error::new())
    }
}

impl CryptoVerifier for Rs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    /// An HS256 token signed independently of the code under test.
    fn hs256(header: &str, claims: &serde_json::Value, secret: &[u8]) -> String {
        let message = format!(
            "{}.{}",
            b64(header.as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        format!(
            "{message}.{}",
            b64(ring::hmac::sign(&key, message.as_bytes()).as_ref())
        )
    }

    const HS: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(Some(SECRET), None, None, None, 0).unwrap()
    }

    #[test]
    fn good_tokens_give_role_and_subject() {
        let token = hs256(
            HS,
            &serde_json::json!({"sub":"ann","role":"operator","exp":now() + 60,"iat":now()}),
            SECRET,
        );
        assert_eq!(verifier().verify(&token), Ok((Role::Operator, "ann".to_string())));
    }

    #[test]
    fn each_defect_has_its_reason() {
        let claims = |extra: serde_json::Value| {
            let mut base = serde_json::json!({"sub":"ann","role":"admin","exp":now() + 60});
            base.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            base
        };
        let v = verifier();
        let cases = [
            (
                hs256(HS, &claims(serde_json::json!({"exp": now() - 10})), SECRET),
                "expired",
            ),
            (
                hs256(HS, &claims(serde_json::json!({"nbf": now() + 600})), SECRET),
                "not_yet_valid",
            ),
            (
                hs256(HS, &claims(serde_json::json!({"nbf": "0"})), SECRET),
                "bad_claims",
            ),
            (
                hs256(HS, &claims(serde_json::json!({"exp": "never"})), SECRET),
                "bad_claims",
            ),
            (
                hs256(HS, &claims(serde_json::json!({"role": "root"})), SECRET),
                "bad_claims",
            ),
            (
                hs256(HS, &claims(serde_json::json!({"sub": ""})), SECRET),
                "bad_claims",
            ),
            (
                hs256(HS, &serde_json::json!({"sub":"ann","role":"admin"}), SECRET),
                "bad_claims",
            ),
            (
                hs256(
                    HS,
                    &claims(serde_json::json!({})),
                    b"another secret of 32 bytes......",
                ),
                "bad_signature",
            ),
            (
                hs256(r#"{"alg":"HS512"}"#, &claims(serde_json::json!({})), SECRET),
                "wrong_algorithm",
            ),
            (
                hs256(r#"{"alg":"none"}"#, &claims(serde_json::json!({})), SECRET),
                "malformed",
            ),
            (
                hs256(r#"{"alg":"RS256"}"#, &claims(serde_json::json!({})), SECRET),
                "wrong_algorithm",
            ),
            ("a.b.c".to_string(), "malformed"),
        ];
        for (token, reason) in cases {
            let failure = v.verify(&token).unwrap_err();
            assert_eq!(failure.reason(), reason, "{token}: {failure:?}");
        }
    }

    #[test]
    fn issuer_and_audience_are_required_when_configured() {
        let v = JwtVerifier::new(Some(SECRET), None, Some("idp".into()), Some("mda".into()), 0).unwrap();
        let token = |iss: &str, aud: &str| {
            hs256(
                HS,
                &serde_json::json!({"sub":"a","role":"viewer","exp":now() + 60,"iss":iss,"aud":aud}),
                SECRET,
            )
        };
        assert!(v.verify(&token("idp", "mda")).is_ok());
        assert_eq!(
            v.verify(&token("other", "mda")).unwrap_err().reason(),
            "bad_claims"
        );
        assert_eq!(
            v.verify(&token("idp", "other")).unwrap_err().reason(),
            "bad_claims"
        );
    }

    #[test]
    fn public_keys_are_checked_when_loaded() {
        let pem = JwtVerifier::new(None, Some(b"not a pem"), None, None, 0)
            .err()
            .unwrap();
        assert!(pem.contains("not an RSA public key"), "{pem}");
    }
}
