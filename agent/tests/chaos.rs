//! Chaos: injected errors and latency on the real request path, counted in
//! the HTTP metrics like real ones, and the admin routes that change them
//! live.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use market_data_agent::api::{ChaosSettings, ErrorBody};
use market_data_agent::{AdminToken, AgentConfig, AgentHandle, spawn};

const QUOTES_ROUTE: &str = "/api/v1/quotes/{symbol}";
const ADMIN: &str = "/api/v1/admin/chaos";
const TOKEN: &str = "test-admin-token-0123456789";

/// `mda_http_requests_total` of the quotes route with status `code`.
fn quotes_requests(code: u16) -> String {
    format!("mda_http_requests_total{{code=\"{code}\",method=\"GET\",route=\"{QUOTES_ROUTE}\"}}")
}

/// A duration-histogram sample of `route`: `_count`, or `_bucket` at `le`.
fn duration_sample(route: &str, le: Option<&str>) -> String {
    match le {
        Some(le) => format!("mda_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}}"),
        None => format!("mda_http_request_duration_seconds_count{{route=\"{route}\"}}"),
    }
}

/// An agent without the simulator that has one quote (AAPL) and `chaos`
/// applied to its config, so every quotes request is a 200 unless chaos
/// says otherwise.
async fn agent_with(edit: impl FnOnce(&mut AgentConfig)) -> (AgentHandle, SocketAddr) {
    let mut config = quiet_config();
    edit(&mut config);
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    let feed = agent.feed("test");
    feed.send(vec![tick("AAPL", 100.0)]).await.unwrap();
    wait_for_metric(
        addr,
        "mda_ticks_accepted_total{source=\"test\",symbol=\"AAPL\"}",
        |v| v == 1.0,
    )
    .await;
    // The feed stays registered (as down) after this; readiness is not used.
    drop(feed);
    (agent, addr)
}

#[tokio::test]
async fn error_rate_one_fails_every_quote_with_json_and_is_counted() {
    let (agent, addr) = agent_with(|c| c.set_chaos_error_rate(1.0).unwrap()).await;

    for _ in 0..20 {
        let (status, body) = get_json::<ErrorBody>(addr, "/api/v1/quotes/AAPL").await;
        assert_eq!((status, body.error.code.as_str()), (500, "chaos_injected"));
        assert!(
            body.error.message.contains("error_rate 1"),
            "{}",
            body.error.message
        );
    }
    // Unknown symbols too: the handler is not even called.
    assert_eq!(get(addr, "/api/v1/quotes/NOPE").await.0, 500);

    // Other routes are untouched.
    assert_eq!(get(addr, "/api/v1/symbols").await.0, 200);
    assert_eq!(get(addr, "/api/v1/bars/AAPL?interval=1s").await.0, 200);
    assert_eq!(get(addr, "/health").await.0, 200);
    assert_eq!(get(addr, "/nope").await.0, 404);

    let (_, text) = get(addr, "/metrics").await;
    assert!(text.contains(&format!("{} 21\n", quotes_requests(500))), "{text}");
    assert!(!text.contains(&quotes_requests(200)), "{text}");
    assert!(text.contains("mda_chaos_injected_total{kind=\"error\"} 21\n"));
    assert!(text.contains("mda_chaos_injected_total{kind=\"latency\"} 0\n"));
    assert!(text.contains("mda_chaos_error_rate 1\n"));
    assert!(
        text.contains("mda_http_requests_total{code=\"200\",method=\"GET\",route=\"/api/v1/symbols\"} 1\n")
    );
    assert_eq!(metric(addr, &duration_sample(QUOTES_ROUTE, None)).await, 21.0);

    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn error_rate_share_is_within_binomial_tolerance() {
    const REQUESTS: usize = 2_000;
    const TASKS: usize = 4;
    let (agent, addr) = agent_with(|c| c.set_chaos_error_rate(0.25).unwrap()).await;

    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut errors = 0;
            for _ in 0..REQUESTS / TASKS {
                let response = client.get(url(addr, "/api/v1/quotes/AAPL")).send().await.unwrap();
                match response.status().as_u16() {
                    200 => {}
                    500 => {
                        let body: ErrorBody = response.json().await.unwrap();
                        assert_eq!(body.error.code, "chaos_injected");
                        errors += 1;
                    }
                    other => panic!("unexpected status {other}"),
                }
            }
            errors
        }));
    }
    let mut errors = 0;
    for task in tasks {
        errors += task.await.unwrap();
    }
    // Binomial: sd = sqrt(0.25 * 0.75 / 2000) ≈ 0.0097, so ±0.04 is 4 sd.
    let share = errors as f64 / REQUESTS as f64;
    assert!((share - 0.25).abs() <= 0.04, "share of errors {share}");

    // The metrics saw exactly what the clients saw.
    assert_eq!(metric(addr, &quotes_requests(500)).await, errors as f64);
    assert_eq!(
        metric(addr, &quotes_requests(200)).await,
        (REQUESTS - errors) as f64
    );
    assert_eq!(
        metric(addr, "mda_chaos_injected_total{kind=\"error\"}").await,
        errors as f64
    );

    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn extra_latency_lands_above_the_slo_bucket() {
    const REQUESTS: usize = 3;
    let (agent, addr) = agent_with(|c| c.set_chaos_extra_latency_ms(150).unwrap()).await;

    for _ in 0..REQUESTS {
        let start = Instant::now();
        let (status, _) = get(addr, "/api/v1/quotes/AAPL").await;
        assert_eq!(status, 200);
        assert!(start.elapsed() >= Duration::from_millis(150));
    }
    assert_eq!(get(addr, "/api/v1/symbols").await.0, 200);

    let count = metric(addr, &duration_sample(QUOTES_ROUTE, None)).await;
    let fast = metric(addr, &duration_sample(QUOTES_ROUTE, Some("0.1"))).await;
    assert_eq!((count, fast), (REQUESTS as f64, 0.0));
    assert_eq!(metric(addr, &quotes_requests(200)).await, REQUESTS as f64);
    assert_eq!(
        metric(addr, "mda_chaos_injected_total{kind=\"latency\"}").await,
        REQUESTS as f64
    );
    assert_eq!(metric(addr, "mda_chaos_extra_latency_seconds").await, 0.15);
    // A route chaos does not apply to stays fast.
    let symbols_fast = metric(addr, &duration_sample("/api/v1/symbols", Some("0.1"))).await;
    assert_eq!(symbols_fast, 1.0);

    agent.shutdown().await.unwrap();
}

fn with_token(config: &mut AgentConfig) {
    config.admin_token = Some(AdminToken::new(TOKEN).unwrap());
}

async fn error_of(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: ErrorBody = response.json().await.unwrap();
    (status, body.error.code, body.error.message)
}

#[tokio::test]
async fn admin_routes_are_off_without_a_token() {
    let (agent, addr) = agent_with(|_| {}).await;
    let client = reqwest::Client::new();
    let requests = [
        client.get(url(addr, ADMIN)),
        client.get(url(addr, ADMIN)).bearer_auth(TOKEN),
        client
            .put(url(addr, ADMIN))
            .bearer_auth("")
            .body(r#"{"error_rate":1.0}"#),
        client.put(url(addr, ADMIN)).body(r#"{"error_rate":1.0}"#),
    ];
    for request in requests {
        let (status, code, message) = error_of(request.send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (403, "admin_disabled"));
        assert!(message.contains("MDA_ADMIN_TOKEN"), "{message}");
    }
    assert_eq!(get(addr, "/api/v1/quotes/AAPL").await.0, 200);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn admin_routes_refuse_missing_and_wrong_tokens() {
    let (agent, addr) = agent_with(with_token).await;
    let client = reqwest::Client::new();
    let put = |body: &'static str| client.put(url(addr, ADMIN)).body(body);
    let requests = [
        client.get(url(addr, ADMIN)),
        client.get(url(addr, ADMIN)).bearer_auth("wrong"),
        client
            .get(url(addr, ADMIN))
            .bearer_auth(&TOKEN[..TOKEN.len() - 1]),
        client.get(url(addr, ADMIN)).bearer_auth(format!("{TOKEN}x")),
        client
            .get(url(addr, ADMIN))
            .header("authorization", format!("Basic {TOKEN}")),
        client.get(url(addr, ADMIN)).header("authorization", TOKEN),
        put(r#"{"error_rate":1.0}"#),
        // The token is checked before the body.
        put("garbage").bearer_auth("wrong"),
    ];
    for request in requests {
        let response = request.send().await.unwrap();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(challenge.as_deref(), Some("Bearer"));
        let (status, code, _) = error_of(response).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"));
    }
    // Nothing changed.
    assert_eq!(get(addr, "/api/v1/quotes/AAPL").await.0, 200);
    let response = client
        .post(url(addr, ADMIN))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.0, 405);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn admin_put_changes_chaos_live_and_rejects_bad_bodies() {
    let (agent, addr) = agent_with(with_token).await;
    let client = reqwest::Client::new();
    let c = &client;
    let get_settings = move || async move {
        let response = c.get(url(addr, ADMIN)).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.json::<ChaosSettings>().await.unwrap()
    };
    let put = |body: &'static str| {
        client
            .put(url(addr, ADMIN))
            .header("content-type", "application/json")
            .bearer_auth(TOKEN)
            .body(body)
            .send()
    };

    let defaults = ChaosSettings {
        error_rate: 0.0,
        extra_latency_ms: 0,
        routes: vec![QUOTES_ROUTE.to_string()],
    };
    assert_eq!(get_settings().await, defaults);

    // On: every quote fails from the next request on.
    let response = put(r#"{"error_rate":1.0}"#).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let on = ChaosSettings {
        error_rate: 1.0,
        ..defaults.clone()
    };
    assert_eq!(response.json::<ChaosSettings>().await.unwrap(), on);
    assert_eq!(get_settings().await, on);
    let (status, body) = get_json::<ErrorBody>(addr, "/api/v1/quotes/AAPL").await;
    assert_eq!((status, body.error.code.as_str()), (500, "chaos_injected"));
    assert_eq!(metric(addr, "mda_chaos_error_rate").await, 1.0);

    // Invalid bodies: 400 with the JSON error, and nothing changes.
    for (body, needle) in [
        (
            r#"{"error_rate":2.0}"#,
            "error_rate: must be a number from 0 to 1",
        ),
        (
            r#"{"error_rate":0.0,"extra_latency_ms":99999999}"#,
            "extra_latency_ms",
        ),
        (
            r#"{"error_rate":0.0,"routes":["/api/v1/quotes/AAPL"]}"#,
            "unknown route",
        ),
        (
            r#"{"error_rate":0.0,"routes":["/api/v1/admin/chaos"]}"#,
            "admin route",
        ),
        (r#"{"eror_rate":0.0}"#, "unknown field"),
        ("garbage", "JSON object"),
        ("", "JSON object"),
    ] {
        let (status, code, message) = error_of(put(body).await.unwrap()).await;
        assert_eq!((status, code.as_str()), (400, "bad_request"), "{body}");
        assert!(message.contains(needle), "{body}: {message}");
    }
    assert_eq!(get_settings().await, on);
    assert_eq!(get(addr, "/api/v1/quotes/AAPL").await.0, 500);

    // Move the errors to another route, with latency: quotes recover.
    let response = put(r#"{"routes":["/api/v1/symbols"],"extra_latency_ms":20}"#)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(get(addr, "/api/v1/quotes/AAPL").await.0, 200);
    let start = Instant::now();
    assert_eq!(get(addr, "/api/v1/symbols").await.0, 500);
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(
        get_settings().await,
        ChaosSettings {
            error_rate: 1.0,
            extra_latency_ms: 20,
            routes: vec!["/api/v1/symbols".to_string()],
        }
    );

    // Off again; the body need not be declared as JSON (curl -d).
    let response = client
        .put(url(addr, ADMIN))
        .header("authorization", format!("bearer {TOKEN}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"error_rate":0,"extra_latency_ms":0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(get(addr, "/api/v1/symbols").await.0, 200);
    assert_eq!(metric(addr, "mda_chaos_error_rate").await, 0.0);
    assert!(metric(addr, "mda_chaos_injected_total{kind=\"error\"}").await >= 3.0);

    agent.shutdown().await.unwrap();
}
