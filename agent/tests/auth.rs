//! Authentication, roles, the rate limit and the audit log of the routes
//! that act, against a real agent: every action with no token, a viewer
//! token, an expired JWT, a bad signature and a wrong algorithm (all refused,
//! nothing run, all audited), then with an operator (and an admin for
//! chaos); static token files that group or others may read are refused at
//! start.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;

use base64::Engine as _;
use common::{config_with_sources, get, metric, url};
use market_data_agent::api::{AuditEntry, AuditResponse, ErrorBody, Health};
use market_data_agent::{AdminToken, AgentConfig, AgentHandle, spawn};
use serde_json::{Value, json};

const VIEWER: &str = "viewer-token-0123456789";
const OPERATOR: &str = "operator-token-0123456789";
const ADMIN: &str = "admin-token-0123456789";
/// The admin token an embedding program (the console) sets directly.
const EMBEDDED_ADMIN: &str = "embedded-admin-token";
const HS256_SECRET: &str = "an-hs256-secret-of-at-least-32-bytes";
/// Test-only RSA key pair (2048 bits), made for these tests.
const RS256_PRIVATE: &str = include_str!("fixtures/jwt-rs256-test-only.key");
const RS256_PUBLIC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/jwt-rs256-test-only.pub.pem"
);
const REPLAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/replay/sample.csv");

/// A directory of its own for each test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mda-auth-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `text` to `name` with `mode`; returns the path as text.
    fn file(&self, name: &str, text: &str, mode: u32) -> String {
        use std::os::unix::fs::PermissionsExt as _;
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.display().to_string()
    }

    fn backups(&self) -> usize {
        std::fs::read_dir(self.path("backups")).map_or(0, |d| d.count())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An agent fed by a looping replay source `tape`, with static tokens for
/// each role, HS256 and RS256 JWTs, and the embedded admin token.
fn config(scratch: &Scratch) -> AgentConfig {
    let mut config = config_with_sources(&format!(
        "[[sources]]\nname = \"tape\"\nkind = \"replay\"\npath = {REPLAY:?}\nloop = true\nspeed = 20.0\n"
    ));
    config.dr.enabled = false;
    config.dr.dir = scratch.path("backups").display().to_string();
    config.audit.file = scratch.path("audit.jsonl").display().to_string();
    config.auth.actions_per_minute = 0;
    config.auth.tokens_file = scratch.file(
        "tokens",
        &format!("# test tokens\n{VIEWER} viewer vera\n{OPERATOR} operator otto\n{ADMIN} admin ada\n"),
        0o600,
    );
    config.auth.jwt.hs256_secret_file = scratch.file("hs256", &format!("{HS256_SECRET}\n"), 0o600);
    config.auth.jwt.rs256_public_key_file = RS256_PUBLIC.to_string();
    config.admin_token = Some(AdminToken::new(EMBEDDED_ADMIN).unwrap());
    config
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT signed here with ring, independently of the agent's checks.
fn jwt(alg: &str, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let header = json!({"alg": alg, "typ": "JWT"}).to_string();
    let message = format!(
        "{}.{}",
        b64(header.as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = sign(message.as_bytes());
    format!("{message}.{}", b64(&signature))
}

fn hmac(secret: &[u8], algorithm: ring::hmac::Algorithm) -> impl Fn(&[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(algorithm, secret);
    move |message| ring::hmac::sign(&key, message).as_ref().to_vec()
}

fn rsa_sign(message: &[u8]) -> Vec<u8> {
    let der = pem::parse(RS256_PRIVATE).unwrap();
    let key = ring::signature::RsaKeyPair::from_der(der.contents()).unwrap();
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message,
        &mut signature,
    )
    .unwrap();
    signature
}

fn claims(sub: &str, role: &str, exp: u64) -> Value {
    json!({"sub": sub, "role": role, "exp": exp, "iat": now_s()})
}

/// An audit entry in brief: action, principal, via, status, result.
type Row = (String, Option<String>, Option<String>, u16, String);

async fn start(config: AgentConfig) -> (AgentHandle, SocketAddr) {
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    (agent, addr)
}

/// POSTs `body` to `path` with an optional bearer token: status, body, and
/// the `Retry-After` and `WWW-Authenticate` headers.
async fn send(
    addr: SocketAddr,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value, Option<String>, Option<String>) {
    let mut request = reqwest::Client::new().request(method, url(addr, path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (retry_after, challenge) = (header("retry-after"), header("www-authenticate"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
    (status, body, retry_after, challenge)
}

async fn action(addr: SocketAddr, name: &str, token: Option<&str>, params: Value) -> (u16, Value) {
    let body = json!({"params": params, "author": "tester", "comment": "auth test"});
    let (status, body, _, _) = send(
        addr,
        reqwest::Method::POST,
        &format!("/api/v1/actions/{name}"),
        token,
        &body,
    )
    .await;
    (status, body)
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn audit(addr: SocketAddr, token: &str) -> Vec<AuditEntry> {
    let response = reqwest::Client::new()
        .get(url(addr, "/api/v1/audit?limit=1000"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<AuditResponse>().await.unwrap().entries
}

async fn health(addr: SocketAddr) -> Health {
    let (_, text) = get(addr, "/health").await;
    serde_json::from_str(&text).unwrap()
}

async fn breaker_forced(addr: SocketAddr) -> Option<bool> {
    let health = health(addr).await;
    health
        .sources
        .iter()
        .find(|s| s.name == "tape")
        .unwrap()
        .breaker_forced
}

async fn wait_for_quote(addr: SocketAddr) {
    common::wait_for_status(addr, "/api/v1/quotes/AAPL", 200).await;
}

/// Every action, with its params and the role it needs.
fn actions() -> Vec<(&'static str, Value)> {
    vec![
        ("circuit", json!({"source": "tape", "state": "open"})),
        ("failover", json!({})),
        ("cache_flush", json!({})),
        ("backup_now", json!({})),
        ("restore_drill", json!({})),
        ("chaos", json!({"error_rate": 0.5})),
    ]
}

#[tokio::test]
async fn refused_callers_run_nothing_and_are_audited() {
    let scratch = Scratch::new("refused");
    let (agent, addr) = start(config(&scratch)).await;
    wait_for_quote(addr).await;
    let expired = jwt(
        "HS256",
        &claims("eve", "admin", now_s() - 3600),
        hmac(HS256_SECRET.as_bytes(), ring::hmac::HMAC_SHA256),
    );
    let bad_signature = jwt(
        "HS256",
        &claims("eve", "admin", now_s() + 600),
        hmac(b"not-the-secret-but-also-32-bytes-long", ring::hmac::HMAC_SHA256),
    );
    let wrong_algorithm = jwt(
        "HS512",
        &claims("eve", "admin", now_s() + 600),
        hmac(HS256_SECRET.as_bytes(), ring::hmac::HMAC_SHA512),
    );
    // (token, status, code, principal in the audit, failure reason)
    let callers = [
        (None, 401, "unauthorized", None, "missing"),
        (Some(VIEWER), 403, "forbidden", Some("vera"), "forbidden"),
        (Some(expired.as_str()), 401, "unauthorized", None, "expired"),
        (
            Some(bad_signature.as_str()),
            401,
            "unauthorized",
            None,
            "bad_signature",
        ),
        (
            Some(wrong_algorithm.as_str()),
            401,
            "unauthorized",
            None,
            "wrong_algorithm",
        ),
    ];
    for (name, params) in actions() {
        for (token, status, want_code, _, _) in &callers {
            let (got, body) = action(addr, name, *token, params.clone()).await;
            assert_eq!(
                (got, code(&body)),
                (*status, *want_code),
                "{name} {token:?}: {body}"
            );
            assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
    // An operator may not change chaos: 403, like the viewer above.
    let (status, body) = action(addr, "chaos", Some(OPERATOR), json!({"error_rate": 1.0})).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("needs admin"),
        "{body}"
    );

    // Nothing ran: the breaker is not held, no backup, chaos off, no flush.
    assert_ne!(breaker_forced(addr).await, Some(true));
    assert_eq!(scratch.backups(), 0, "no backup was written");
    let (_, chaos, _, _) = send(
        addr,
        reqwest::Method::GET,
        "/api/v1/admin/chaos",
        Some(ADMIN),
        &json!({}),
    )
    .await;
    assert_eq!(chaos["error_rate"], json!(0.0));
    for name in [
        "circuit",
        "failover",
        "cache_flush",
        "backup_now",
        "restore_drill",
        "chaos",
    ] {
        let ok = format!("mda_actions_total{{action=\"{name}\",result=\"ok\"}}");
        assert_eq!(metric(addr, &ok).await, 0.0, "{ok}");
        let unauthorized = format!("mda_actions_total{{action=\"{name}\",result=\"unauthorized\"}}");
        assert_eq!(metric(addr, &unauthorized).await, 4.0, "{unauthorized}");
    }
    for (reason, count) in [
        ("missing", 6.0),
        ("expired", 6.0),
        ("bad_signature", 6.0),
        ("wrong_algorithm", 6.0),
        ("forbidden", 7.0),
    ] {
        let sample = format!("mda_auth_failures_total{{reason=\"{reason}\"}}");
        assert_eq!(metric(addr, &sample).await, count, "{sample}");
    }

    // Each refusal is in the audit log, newest first, with who and why.
    let entries = audit(addr, OPERATOR).await;
    assert_eq!(entries.len(), 31, "{entries:#?}");
    let mut expected = Vec::new();
    for (name, params) in actions() {
        for (_, status, want_code, principal, _) in &callers {
            expected.push((
                name.to_string(),
                *status,
                want_code.to_string(),
                principal.map(str::to_string),
                params.clone(),
            ));
        }
    }
    expected.push((
        "chaos".into(),
        403,
        "forbidden".into(),
        Some("otto".into()),
        json!({"error_rate": 1.0}),
    ));
    expected.reverse();
    for (entry, (name, status, result, principal, _)) in entries.iter().zip(&expected) {
        assert_eq!(
            (&entry.action, entry.status, &entry.result, &entry.principal),
            (name, *status, result, principal),
            "{entry:#?}"
        );
        assert_eq!(entry.route, "/api/v1/actions/{name}");
        assert_eq!(entry.method, "POST");
        assert!(entry.error.is_some(), "{entry:#?}");
        assert!(entry.ts.ends_with('Z') && entry.duration_ms >= 0.0, "{entry:#?}");
        // Refused before the body was read: no params recorded.
        assert_eq!(entry.params, Value::Null, "{entry:#?}");
    }
    let raw = std::fs::read_to_string(scratch.path("audit.jsonl")).unwrap();
    assert_eq!(raw.lines().count(), 31);
    for secret in [VIEWER, OPERATOR, ADMIN, HS256_SECRET, expired.as_str()] {
        assert!(!raw.contains(secret), "a secret is in the audit log");
    }
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn operators_and_admins_act_and_are_audited() {
    let scratch = Scratch::new("accepted");
    let (agent, addr) = start(config(&scratch)).await;
    wait_for_quote(addr).await;
    let rs256_operator = jwt("RS256", &claims("rita", "operator", now_s() + 600), rsa_sign);
    let hs256_admin = jwt(
        "HS256",
        &claims("hank", "admin", now_s() + 600),
        hmac(HS256_SECRET.as_bytes(), ring::hmac::HMAC_SHA256),
    );

    let (status, body) = action(
        addr,
        "circuit",
        Some(OPERATOR),
        json!({"source": "tape", "state": "open"}),
    )
    .await;
    assert_eq!((status, body["ok"].as_bool()), (200, Some(true)), "{body}");
    assert_eq!(breaker_forced(addr).await, Some(true));
    let (status, body) = action(
        addr,
        "circuit",
        Some(&rs256_operator),
        json!({"source": "tape", "state": "auto"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(breaker_forced(addr).await, Some(true));

    // One source in its group: there is nothing to fail over to (409), but
    // the operator was let through and the attempt is recorded.
    let (status, body) = action(addr, "failover", Some(OPERATOR), json!({})).await;
    assert_eq!((status, code(&body)), (409, "action_refused"), "{body}");

    let (status, body) = action(addr, "cache_flush", Some(OPERATOR), json!({"symbol": "AAPL"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["details"]["quotes"], json!(1), "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("refill from the feed"),
        "{body}"
    );
    // It refills from the feed.
    wait_for_quote(addr).await;
    let (status, body) = action(addr, "cache_flush", Some(OPERATOR), json!({"symbol": "NOPE"})).await;
    assert_eq!((status, code(&body)), (404, "unknown_symbol"), "{body}");

    let (status, body) = action(addr, "backup_now", Some(OPERATOR), json!({})).await;
    assert_eq!((status, body["ok"].as_bool()), (200, Some(true)), "{body}");
    assert_eq!(scratch.backups(), 1);
    let (status, body) = action(addr, "restore_drill", Some(OPERATOR), json!({})).await;
    assert_eq!((status, body["ok"].as_bool()), (200, Some(true)), "{body}");

    // Chaos: admins only, checked like the admin route.
    let (status, body) = action(addr, "chaos", Some(&hs256_admin), json!({"error_rate": 2.0})).await;
    assert_eq!((status, code(&body)), (400, "bad_request"), "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("error_rate"),
        "{body}"
    );
    let (status, body) = action(
        addr,
        "chaos",
        Some(&hs256_admin),
        json!({"error_rate": 0.25, "routes": ["/api/v1/symbols"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["details"]["new"]["error_rate"], json!(0.25));
    // The admin token set by an embedding program keeps full rights.
    let (status, body) = action(addr, "chaos", Some(EMBEDDED_ADMIN), json!({"error_rate": 0.0})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = action(addr, "reboot", Some(ADMIN), json!({})).await;
    assert_eq!((status, code(&body)), (404, "unknown_action"), "{body}");

    let entries = audit(addr, ADMIN).await;
    let summary: Vec<Row> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e.action.clone(),
                e.principal.clone(),
                e.via.clone(),
                e.status,
                e.result.clone(),
            )
        })
        .collect();
    let row = |action: &str, who: &str, via: &str, status: u16, result: &str| {
        (
            action.to_string(),
            Some(who.to_string()),
            Some(via.to_string()),
            status,
            result.to_string(),
        )
    };
    assert_eq!(
        summary,
        [
            row("circuit", "otto", "static_token", 200, "ok"),
            row("circuit", "rita", "jwt", 200, "ok"),
            row("failover", "otto", "static_token", 409, "action_refused"),
            row("cache_flush", "otto", "static_token", 200, "ok"),
            row("cache_flush", "otto", "static_token", 404, "unknown_symbol"),
            row("backup_now", "otto", "static_token", 200, "ok"),
            row("restore_drill", "otto", "static_token", 200, "ok"),
            row("chaos", "hank", "jwt", 400, "bad_request"),
            row("chaos", "hank", "jwt", 200, "ok"),
            row("chaos", "admin token", "admin_token", 200, "ok"),
            row("reboot", "ada", "static_token", 404, "unknown_action"),
        ]
    );
    let first = entries.last().unwrap();
    assert_eq!(first.params, json!({"source": "tape", "state": "open"}));
    assert_eq!(first.role.as_deref(), Some("operator"));
    assert_eq!(
        (first.author.as_deref(), first.comment.as_deref()),
        (Some("tester"), Some("auth test"))
    );
    assert_eq!(
        metric(addr, "mda_actions_total{action=\"circuit\",result=\"ok\"}").await,
        2.0
    );
    assert_eq!(
        metric(
            addr,
            "mda_actions_total{action=\"unknown\",result=\"unknown_action\"}"
        )
        .await,
        1.0
    );

    // The audit log is for operators and admins.
    let (status, body, _, _) = send(
        addr,
        reqwest::Method::GET,
        "/api/v1/audit",
        Some(VIEWER),
        &json!({}),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, _, _, challenge) = send(addr, reqwest::Method::GET, "/api/v1/audit", None, &json!({})).await;
    assert_eq!((status, challenge.as_deref()), (401, Some("Bearer")));
    let (status, body, _, _) = send(
        addr,
        reqwest::Method::GET,
        "/api/v1/audit?limit=0",
        Some(OPERATOR),
        &json!({}),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_rs256_only_agent_refuses_hmac_tokens_made_with_its_public_key() {
    let scratch = Scratch::new("confusion");
    let mut config = self::config(&scratch);
    config.auth.jwt.hs256_secret_file = String::new();
    let (agent, addr) = start(config).await;
    let public_pem = std::fs::read(RS256_PUBLIC).unwrap();
    let forged = jwt(
        "HS256",
        &claims("mallory", "admin", now_s() + 600),
        hmac(&public_pem, ring::hmac::HMAC_SHA256),
    );
    let (status, body) = action(addr, "backup_now", Some(&forged), json!({})).await;
    assert_eq!((status, code(&body)), (401, "unauthorized"), "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("algorithm"),
        "{body}"
    );
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(claims("m", "admin", now_s() + 600).to_string().as_bytes())
    );
    let (status, _) = action(addr, "backup_now", Some(&unsigned), json!({})).await;
    assert_eq!(status, 401);
    let tampered = {
        let good = jwt("RS256", &claims("rita", "viewer", now_s() + 600), rsa_sign);
        let parts: Vec<&str> = good.split('.').collect();
        let admin = b64(claims("rita", "admin", now_s() + 600).to_string().as_bytes());
        format!("{}.{admin}.{}", parts[0], parts[2])
    };
    let (status, _) = action(addr, "backup_now", Some(&tampered), json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(
        metric(addr, "mda_auth_failures_total{reason=\"wrong_algorithm\"}").await,
        1.0
    );
    assert_eq!(
        metric(addr, "mda_auth_failures_total{reason=\"bad_signature\"}").await,
        1.0
    );
    assert_eq!(scratch.backups(), 0);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn actions_are_rate_limited_per_caller() {
    let scratch = Scratch::new("rate");
    let mut config = self::config(&scratch);
    config.auth.actions_per_minute = 3;
    let (agent, addr) = start(config).await;
    let params = json!({"source": "tape", "state": "auto"});
    for _ in 0..3 {
        assert_eq!(
            action(addr, "circuit", Some(OPERATOR), params.clone()).await.0,
            200
        );
    }
    let body = json!({"params": params});
    let (status, refused, retry_after, _) = send(
        addr,
        reqwest::Method::POST,
        "/api/v1/actions/circuit",
        Some(OPERATOR),
        &body,
    )
    .await;
    assert_eq!((status, code(&refused)), (429, "rate_limited"), "{refused}");
    let retry_after: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    // Another caller has a budget of its own; refusals before the limit
    // (no token) do not spend anyone's.
    assert_eq!(action(addr, "circuit", None, json!({})).await.0, 401);
    assert_eq!(action(addr, "circuit", Some(ADMIN), params.clone()).await.0, 200);
    let entries = audit(addr, ADMIN).await;
    let limited: Vec<&AuditEntry> = entries.iter().filter(|e| e.result == "rate_limited").collect();
    assert_eq!(limited.len(), 1);
    assert_eq!(
        (limited[0].principal.as_deref(), limited[0].status),
        (Some("otto"), 429)
    );
    assert_eq!(
        metric(
            addr,
            "mda_actions_total{action=\"circuit\",result=\"rate_limited\"}"
        )
        .await,
        1.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn incident_and_admin_routes_follow_the_roles_and_are_audited() {
    let scratch = Scratch::new("routes");
    let (agent, addr) = start(config(&scratch)).await;
    let ack = json!({"author": "ann"});
    let (status, body, _, _) = send(
        addr,
        reqwest::Method::POST,
        "/api/v1/incidents/nope/ack",
        Some(VIEWER),
        &ack,
    )
    .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, body, _, _) = send(
        addr,
        reqwest::Method::POST,
        "/api/v1/incidents/nope/resolve",
        Some(OPERATOR),
        &ack,
    )
    .await;
    assert_eq!((status, code(&body)), (404, "unknown_incident"), "{body}");
    let chaos = json!({"error_rate": 0.1});
    let (status, body, _, _) = send(
        addr,
        reqwest::Method::PUT,
        "/api/v1/admin/chaos",
        Some(OPERATOR),
        &chaos,
    )
    .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, _, _, _) = send(
        addr,
        reqwest::Method::PUT,
        "/api/v1/admin/chaos",
        Some(ADMIN),
        &chaos,
    )
    .await;
    assert_eq!(status, 200);
    let stall = json!({"kind": "stall", "symbol": "AAPL", "seconds": 1});
    let (status, body, _, _) = send(addr, reqwest::Method::POST, "/api/v1/admin/inject", None, &stall).await;
    assert_eq!((status, code(&body)), (401, "unauthorized"));
    let entries = audit(addr, OPERATOR).await;
    let rows: Vec<(&str, &str, Option<&str>, &str)> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e.action.as_str(),
                e.route.as_str(),
                e.principal.as_deref(),
                e.result.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "incident_ack",
                "/api/v1/incidents/{id}/ack",
                Some("vera"),
                "forbidden"
            ),
            (
                "incident_resolve",
                "/api/v1/incidents/{id}/resolve",
                Some("otto"),
                "unknown_incident"
            ),
            ("admin_chaos", "/api/v1/admin/chaos", Some("otto"), "forbidden"),
            ("admin_chaos", "/api/v1/admin/chaos", Some("ada"), "ok"),
            ("admin_inject", "/api/v1/admin/inject", None, "unauthorized"),
        ]
    );
    assert_eq!(entries[4].params, json!({"id": "nope"}));
    assert_eq!(entries[1].params, json!({"error_rate": 0.1}));
    assert_eq!(entries[3].author.as_deref(), Some("ann"));
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn protected_reads_need_a_viewer_but_probes_stay_open() {
    let scratch = Scratch::new("reads");
    let mut config = self::config(&scratch);
    config.auth.protect_reads = true;
    let (agent, addr) = start(config).await;
    for path in [
        "/api/v1/symbols",
        "/metrics",
        "/api/v1/incidents",
        "/api/v1/dr",
        "/api/v1/bars/AAPL",
    ] {
        let (status, body, _, challenge) = send(addr, reqwest::Method::GET, path, None, &json!({})).await;
        assert_eq!(
            (status, code(&body), challenge.as_deref()),
            (401, "unauthorized", Some("Bearer")),
            "{path}"
        );
        let response = reqwest::Client::new()
            .get(url(addr, path))
            .bearer_auth(VIEWER)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    for path in ["/health", "/ready"] {
        let status = get(addr, path).await.0;
        assert!(status == 200 || status == 503, "{path}: {status}");
    }
    let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await;
    assert!(refused.is_err(), "the WebSocket needs a token too");
    assert!(metric_with(addr, "mda_auth_failures_total{reason=\"missing\"}").await >= 6.0);
    agent.shutdown().await.unwrap();

    // Open by default.
    let scratch = Scratch::new("reads-open");
    let (agent, addr) = start(self::config(&scratch)).await;
    assert_eq!(get(addr, "/api/v1/symbols").await.0, 200);
    agent.shutdown().await.unwrap();
}

/// `/metrics` itself is protected here: read it with a viewer token.
async fn metric_with(addr: SocketAddr, sample: &str) -> f64 {
    let text = reqwest::Client::new()
        .get(url(addr, "/metrics"))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter_map(|line| line.strip_prefix(sample))
        .find_map(|rest| rest.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn unusable_token_and_key_files_stop_the_start() {
    let scratch = Scratch::new("files");
    let start_error = |config: AgentConfig| async move {
        spawn(config)
            .await
            .err()
            .expect("the start must fail")
            .to_string()
    };
    for mode in [0o644, 0o640, 0o604] {
        let mut config = self::config(&scratch);
        config.auth.tokens_file = scratch.file("open-tokens", &format!("{OPERATOR} operator otto\n"), mode);
        let shown = start_error(config).await;
        assert!(shown.starts_with("auth.tokens_file = "), "{shown}");
        assert!(shown.contains(&format!("permissions are {mode:04o}")), "{shown}");
        assert!(!shown.contains(OPERATOR), "the token leaked: {shown}");
    }
    let mut config = self::config(&scratch);
    config.auth.tokens_file = scratch.file("bad-role", &format!("# ok\n{OPERATOR} root otto\n"), 0o600);
    let shown = start_error(config).await;
    assert!(shown.contains("line 2: unknown role \"root\""), "{shown}");
    let mut config = self::config(&scratch);
    config.auth.jwt.hs256_secret_file = scratch.file("open-secret", HS256_SECRET, 0o644);
    let shown = start_error(config).await;
    assert!(shown.starts_with("auth.jwt.hs256_secret_file = "), "{shown}");
    let mut config = self::config(&scratch);
    config.auth.jwt.hs256_secret_file = scratch.file("short-secret", "short", 0o600);
    assert!(start_error(config).await.contains("at least 32"));
    let mut config = self::config(&scratch);
    config.auth.jwt.rs256_public_key_file = scratch.file("not-pem", "hello", 0o644);
    assert!(
        start_error(config)
            .await
            .starts_with("auth.jwt.rs256_public_key_file = ")
    );
    let mut config = self::config(&scratch);
    config.auth.tokens_file = String::new();
    config.auth.jwt = Default::default();
    config.admin_token = None;
    config.auth.protect_reads = true;
    assert!(start_error(config).await.contains("protect_reads"));
}

#[tokio::test]
async fn without_an_audit_log_nothing_runs() {
    let scratch = Scratch::new("no-audit");
    let mut config = self::config(&scratch);
    config.audit.file = "/proc/no-such-directory/audit.jsonl".to_string();
    let (agent, addr) = start(config).await;
    let (status, body) = action(addr, "backup_now", Some(OPERATOR), json!({})).await;
    assert_eq!((status, code(&body)), (503, "audit_unavailable"), "{body}");
    assert_eq!(scratch.backups(), 0);
    // Reads still work; refusals stay refusals.
    assert_eq!(get(addr, "/api/v1/symbols").await.0, 200);
    assert_eq!(action(addr, "backup_now", None, json!({})).await.0, 401);
    let error: ErrorBody = serde_json::from_value(body).unwrap();
    assert!(
        error.error.message.contains("audit log"),
        "{}",
        error.error.message
    );
    agent.shutdown().await.unwrap();
}
