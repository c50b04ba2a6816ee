//! Incidents on a real agent: detection (price anomalies, stale symbols and
//! sources, down sources, HTTP error spikes), auto-resolution, operator
//! actions and their access rules, filters, retention, and the injection
//! route that produces them. Thresholds are short so each test takes a few
//! seconds at most.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use market_data_agent::api::{
    ErrorBody, Incident, IncidentStatus, IncidentsResponse, InjectResponse, Injection, Severity,
};
use market_data_agent::config::ScheduledInjection;
use market_data_agent::{AdminToken, AgentConfig, AgentHandle, spawn};
use serde_json::json;

const TOKEN: &str = "incident-test-token-0123456789";

/// Fast detectors: a pass every 50 ms, conditions resolve 200 ms after they
/// clear, symbols and sources are stale after 300 ms.
fn fast(mut config: AgentConfig) -> AgentConfig {
    let incidents = &mut config.incidents;
    incidents.interval_ms = 50;
    incidents.resolve_after_ms = 200;
    incidents.update_interval_ms = 100;
    incidents.feed_stale.symbol_after_ms = 300;
    incidents.feed_stale.source_after_ms = 300;
    incidents.http_errors.window_ms = 1_000;
    incidents.http_errors.min_requests = 10;
    incidents.http_errors.max_error_share = 0.5;
    config
}

fn with_token(mut config: AgentConfig) -> AgentConfig {
    config.admin_token = Some(AdminToken::new(TOKEN).unwrap());
    config
}

async fn start(config: AgentConfig) -> (AgentHandle, SocketAddr) {
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    (agent, addr)
}

async fn incidents(addr: SocketAddr, query: &str) -> Vec<Incident> {
    let (status, body) = get_json::<IncidentsResponse>(addr, &format!("/api/v1/incidents{query}")).await;
    assert_eq!(status, 200);
    body.incidents
}

/// Polls the incident list until one satisfies `accept`, for at most 10 s.
async fn wait_for_incident(addr: SocketAddr, what: &str, accept: impl Fn(&Incident) -> bool) -> Incident {
    for _ in 0..200 {
        if let Some(found) = incidents(addr, "").await.into_iter().find(&accept) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no incident {what}: {:#?}", incidents(addr, "").await);
}

fn keyed<'a>(key: &'a str) -> impl Fn(&Incident) -> bool + 'a {
    move |i| i.dedup_key == key
}

fn kinds(incident: &Incident) -> Vec<&str> {
    incident.timeline.iter().map(|e| e.kind.as_str()).collect()
}

async fn post(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(url(addr, path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn action(
    addr: SocketAddr,
    id: &str,
    verb: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> reqwest::Response {
    post(addr, &format!("/api/v1/incidents/{id}/{verb}"), token, body).await
}

async fn ok_incident(response: reqwest::Response) -> Incident {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body: ErrorBody = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, body.error.code)
}

async fn inject(addr: SocketAddr, body: serde_json::Value) -> InjectResponse {
    let response = post(addr, "/api/v1/admin/inject", Some(TOKEN), body).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Opens a feed for `name` and drops it: the source is down from then on.
fn down_source(agent: &AgentHandle, name: &str) {
    drop(agent.feed(name));
}

#[tokio::test]
async fn incident_series_exist_from_the_start() {
    let (agent, addr) = start(fast(quiet_config())).await;
    let (_, text) = get(addr, "/metrics").await;
    for severity in ["SEV1", "SEV2", "SEV3", "SEV4"] {
        assert!(
            text.contains(&format!("mda_incidents_open{{severity=\"{severity}\"}} 0\n")),
            "{text}"
        );
    }
    for kind in [
        "source_down",
        "source_stale",
        "symbol_stale",
        "rejected_ticks",
        "price_anomaly",
        "http_errors",
    ] {
        assert!(
            text.contains(&format!("mda_incidents_total{{kind=\"{kind}\"}} 0\n")),
            "{text}"
        );
    }
    assert!(
        text.contains("mda_anomalies_total{symbol=\"AAPL\"} 0\n"),
        "{text}"
    );
    assert!(incidents(addr, "").await.is_empty());
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_injected_price_jump_opens_one_anomaly_incident() {
    let (agent, addr) = start(with_token(fast(config()))).await;
    // Enough returns for the window (64 at 200 ticks/s).
    wait_for_metric(
        addr,
        "mda_ticks_accepted_total{source=\"sim\",symbol=\"AAPL\"}",
        |v| v >= 150.0,
    )
    .await;
    let before = get_json::<serde_json::Value>(addr, "/api/v1/quotes/AAPL").await.1["price"]
        .as_f64()
        .unwrap();

    let accepted = inject(addr, json!({"kind":"price_jump","symbol":"AAPL","factor":1.25})).await;
    assert!(accepted.message.contains("x1.25"), "{}", accepted.message);
    let incident = wait_for_incident(addr, "price_anomaly:AAPL", keyed("price_anomaly:AAPL")).await;
    assert_eq!(incident.status, IncidentStatus::Triggered);
    assert_eq!(incident.severity, Severity::Sev3);
    assert_eq!(incident.labels["service"], "market-data-agent");
    assert_eq!(incident.labels["component"], "pricing");
    assert_eq!(incident.labels["kind"], "price_anomaly");
    assert_eq!(incident.labels["symbol"], "AAPL");
    assert_eq!(incident.labels["source"], "sim");
    // "... (+25.00%, ...)", give or take the tick's own move.
    let text = &incident.timeline[0].text;
    let change: f64 = text
        .split_once("(+")
        .and_then(|(_, rest)| rest.split_once('%'))
        .and_then(|(pct, _)| pct.parse().ok())
        .unwrap_or_else(|| panic!("no change in {text:?}"));
    assert!((change - 25.0).abs() < 0.5, "{text}");
    assert_eq!(
        wait_for_metric(addr, "mda_anomalies_total{symbol=\"AAPL\"}", |v| v >= 1.0).await,
        1.0
    );
    // The anomalous price is served: it may be real.
    let after = get_json::<serde_json::Value>(addr, "/api/v1/quotes/AAPL").await.1["price"]
        .as_f64()
        .unwrap();
    assert!((after / before - 1.25).abs() < 0.02, "{before} -> {after}");

    // A second jump: counted, same incident.
    inject(addr, json!({"kind":"price_jump","symbol":"AAPL","factor":0.8})).await;
    wait_for_metric(addr, "mda_anomalies_total{symbol=\"AAPL\"}", |v| v >= 2.0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = incidents(addr, "").await;
    let anomalies: Vec<&Incident> = all
        .iter()
        .filter(|i| i.dedup_key == "price_anomaly:AAPL")
        .collect();
    assert_eq!(anomalies.len(), 1, "{all:#?}");
    assert_eq!(anomalies[0].id, incident.id);
    assert_eq!(anomalies[0].status, IncidentStatus::Triggered);
    assert_eq!(
        metric(addr, "mda_incidents_total{kind=\"price_anomaly\"}").await,
        1.0
    );
    assert!(metric(addr, "mda_incidents_open{severity=\"SEV3\"}").await >= 1.0);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_scheduled_demo_injection_fires_by_itself() {
    let mut config = fast(config());
    config.simulator.inject = vec![ScheduledInjection {
        after_s: 1.0,
        injection: Injection::PriceJump {
            symbol: "NVDA".into(),
            factor: 1.3,
        },
    }];
    let (agent, addr) = start(config).await;
    let incident = wait_for_incident(addr, "price_anomaly:NVDA", keyed("price_anomaly:NVDA")).await;
    assert!(incident.started_at > 0);
    assert_eq!(metric(addr, "mda_anomalies_total{symbol=\"NVDA\"}").await, 1.0);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn anomalous_feed_ticks_are_deduplicated_into_one_incident() {
    let (agent, addr) = start(fast(quiet_config())).await;
    let feed = agent.feed("replay");
    let mut price = 100.0;
    let mut ticks = Vec::new();
    for i in 0..300 {
        price += if i % 3 == 0 { 0.05 } else { -0.02 };
        if i == 100 || i == 200 {
            price *= 1.3;
        }
        if i == 250 {
            price *= 0.7;
        }
        ticks.push(tick("MSFT", price));
    }
    feed.send(ticks).await.unwrap();
    wait_for_metric(addr, "mda_anomalies_total{symbol=\"MSFT\"}", |v| v >= 3.0).await;
    let incident = wait_for_incident(addr, "price_anomaly:MSFT", |i| {
        i.dedup_key == "price_anomaly:MSFT"
            && i.timeline.iter().any(|e| e.text.starts_with("3 anomalous ticks"))
    })
    .await;
    assert_eq!(incident.labels["source"], "replay");
    let all = incidents(addr, "").await;
    assert_eq!(
        all.iter().filter(|i| i.labels["kind"] == "price_anomaly").count(),
        1,
        "{all:#?}"
    );
    assert_eq!(metric(addr, "mda_anomalies_total{symbol=\"MSFT\"}").await, 3.0);
    assert_eq!(
        metric(addr, "mda_incidents_total{kind=\"price_anomaly\"}").await,
        1.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_stalled_symbol_opens_a_stale_incident_that_resolves_itself() {
    let (agent, addr) = start(with_token(fast(config()))).await;
    wait_for_metric(
        addr,
        "mda_ticks_accepted_total{source=\"sim\",symbol=\"AAPL\"}",
        |v| v >= 10.0,
    )
    .await;
    inject(addr, json!({"kind":"stall","symbol":"AAPL","seconds":1.5})).await;
    let open = wait_for_incident(addr, "symbol_stale:AAPL", keyed("symbol_stale:AAPL")).await;
    assert_eq!(open.status, IncidentStatus::Triggered);
    assert_eq!(open.severity, Severity::Sev3);
    assert_eq!(open.title, "AAPL has no fresh ticks");
    assert_eq!(open.labels["component"], "feed");
    assert_eq!(open.labels["source"], "sim");
    assert!(
        open.timeline[0].text.starts_with("no accepted tick for"),
        "{:?}",
        open.timeline
    );

    let resolved = wait_for_incident(addr, "resolved", |i| {
        i.id == open.id && i.status == IncidentStatus::Resolved
    })
    .await;
    assert_eq!(resolved.resolved_by.as_deref(), Some("auto"));
    assert!(resolved.resolved_at.unwrap() >= open.started_at + 1_000);
    let kinds = kinds(&resolved);
    assert_eq!(kinds.first(), Some(&"detected"));
    assert_eq!(kinds.last(), Some(&"auto_resolved"));
    assert!(metric(addr, "mda_incidents_total{kind=\"symbol_stale\"}").await >= 1.0);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_stalled_source_is_one_incident_raised_to_sev1_then_resolved() {
    let (agent, addr) = start(with_token(fast(config()))).await;
    wait_for_metric(
        addr,
        "mda_ticks_accepted_total{source=\"sim\",symbol=\"AAPL\"}",
        |v| v >= 10.0,
    )
    .await;
    inject(addr, json!({"kind":"stall","symbol":"*","seconds":2.5})).await;
    let open = wait_for_incident(addr, "source_stale:sim", keyed("source_stale:sim")).await;
    assert_eq!(open.labels["source"], "sim");
    // Past health.stale_after_ms (1 s) nothing is fresh: SEV1.
    let raised = wait_for_incident(addr, "raised to SEV1", |i| {
        i.id == open.id && i.severity == Severity::Sev1
    })
    .await;
    assert!(
        raised
            .timeline
            .iter()
            .any(|e| e.kind == "updated" && e.text.starts_with("severity SEV2 -> SEV1")),
        "{:?}",
        raised.timeline
    );
    assert_eq!(metric(addr, "mda_incidents_open{severity=\"SEV1\"}").await, 1.0);
    let resolved = wait_for_incident(addr, "resolved", |i| {
        i.id == open.id && i.status == IncidentStatus::Resolved
    })
    .await;
    assert_eq!(resolved.resolved_by.as_deref(), Some("auto"));
    // Its symbols were covered by the source's incident.
    let all = incidents(addr, "").await;
    assert!(all.iter().all(|i| i.labels["kind"] == "source_stale"), "{all:#?}");
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn operators_acknowledge_and_resolve_with_author_time_and_comment() {
    let (agent, addr) = start(with_token(fast(quiet_config()))).await;
    down_source(&agent, "replay");
    let open = wait_for_incident(addr, "source_down:replay", keyed("source_down:replay")).await;
    assert_eq!(open.title, "Source replay is down");
    // No source is up at all: SEV1.
    assert_eq!(open.severity, Severity::Sev1);
    let id = open.id.as_str();

    // Access first.
    let body = json!({"author":"ann","comment":"looking at the feed"});
    assert_eq!(
        error_of(action(addr, id, "ack", None, body.clone()).await).await,
        (401, "unauthorized".into())
    );
    assert_eq!(
        error_of(action(addr, id, "ack", Some("wrong"), body.clone()).await).await,
        (401, "unauthorized".into())
    );

    // Bad bodies.
    for bad in [
        json!({}),
        json!({"author":""}),
        json!({"author":"   "}),
        json!({"author":"ann","extra":true}),
        json!({"author":"x".repeat(65)}),
        json!(["ann"]),
    ] {
        let (status, code) = error_of(action(addr, id, "ack", Some(TOKEN), bad.clone()).await).await;
        assert_eq!((status, code.as_str()), (400, "bad_request"), "{bad}");
    }

    // Unknown ids.
    for verb in ["ack", "resolve"] {
        let (status, code) =
            error_of(action(addr, "nope-1", verb, Some(TOKEN), json!({"author":"ann"})).await).await;
        assert_eq!((status, code.as_str()), (404, "unknown_incident"));
    }

    let before = now_ms();
    let acked = ok_incident(action(addr, id, "ack", Some(TOKEN), body).await).await;
    let after = now_ms();
    assert_eq!(acked.status, IncidentStatus::Acknowledged);
    assert_eq!(acked.acknowledged_by.as_deref(), Some("ann"));
    let at = acked.acknowledged_at.unwrap();
    assert!((before..=after).contains(&at));
    let entry = acked.timeline.last().unwrap();
    assert_eq!(
        (entry.kind.as_str(), entry.author.as_deref(), entry.at),
        ("acknowledged", Some("ann"), at)
    );
    assert!(entry.text.contains("looking at the feed"), "{}", entry.text);
    let (status, code) = error_of(action(addr, id, "ack", Some(TOKEN), json!({"author":"bob"})).await).await;
    assert_eq!((status, code.as_str()), (409, "already_acknowledged"));

    let resolved = ok_incident(
        action(
            addr,
            id,
            "resolve",
            Some(TOKEN),
            json!({"author":"bob","comment":"feed retired"}),
        )
        .await,
    )
    .await;
    assert_eq!(resolved.status, IncidentStatus::Resolved);
    assert_eq!(resolved.resolved_by.as_deref(), Some("bob"));
    assert!(resolved.resolved_at.unwrap() >= at);
    assert_eq!(resolved.acknowledged_by.as_deref(), Some("ann"));
    let entry = resolved.timeline.last().unwrap();
    assert_eq!(
        (entry.kind.as_str(), entry.author.as_deref()),
        ("resolved", Some("bob"))
    );
    assert!(entry.text.contains("feed retired"));
    assert_eq!(kinds(&resolved), ["detected", "acknowledged", "resolved"]);

    for verb in ["resolve", "ack"] {
        let (status, code) =
            error_of(action(addr, id, verb, Some(TOKEN), json!({"author":"bob"})).await).await;
        assert_eq!((status, code.as_str()), (409, "already_resolved"), "{verb}");
    }

    // The source is still down: the condition is muted, not reopened.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let all = incidents(addr, "").await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0], resolved);
    assert_eq!(metric(addr, "mda_incidents_open{severity=\"SEV1\"}").await, 0.0);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn incident_actions_need_a_token_or_open_actions() {
    // No token, open_actions off (the default): 403, like the admin routes.
    let (agent, addr) = start(fast(quiet_config())).await;
    down_source(&agent, "replay");
    let open = wait_for_incident(addr, "source_down:replay", keyed("source_down:replay")).await;
    for verb in ["ack", "resolve"] {
        for token in [None, Some(TOKEN)] {
            let response = action(addr, &open.id, verb, token, json!({"author":"ann"})).await;
            assert_eq!(error_of(response).await, (403, "admin_disabled".into()));
        }
    }
    let response = post(
        addr,
        "/api/v1/admin/inject",
        None,
        json!({"kind":"stall","symbol":"*","seconds":1}),
    )
    .await;
    assert_eq!(error_of(response).await, (403, "admin_disabled".into()));
    // Listing is open to all.
    assert_eq!(incidents(addr, "").await[0].status, IncidentStatus::Triggered);
    agent.shutdown().await.unwrap();

    // No token, open_actions on: anyone may act.
    let mut config = fast(quiet_config());
    config.incidents.open_actions = true;
    let (agent, addr) = start(config).await;
    down_source(&agent, "replay");
    let open = wait_for_incident(addr, "source_down:replay", keyed("source_down:replay")).await;
    let acked = ok_incident(action(addr, &open.id, "ack", None, json!({"author":"ann"})).await).await;
    assert_eq!(acked.acknowledged_by.as_deref(), Some("ann"));
    agent.shutdown().await.unwrap();

    // A token and open_actions on: the token is still needed.
    let mut config = with_token(fast(quiet_config()));
    config.incidents.open_actions = true;
    let (agent, addr) = start(config).await;
    down_source(&agent, "replay");
    let open = wait_for_incident(addr, "source_down:replay", keyed("source_down:replay")).await;
    let response = action(addr, &open.id, "resolve", None, json!({"author":"ann"})).await;
    assert_eq!(error_of(response).await, (401, "unauthorized".into()));
    let resolved =
        ok_incident(action(addr, &open.id, "resolve", Some(TOKEN), json!({"author":"ann"})).await).await;
    assert_eq!(resolved.resolved_by.as_deref(), Some("ann"));
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_http_error_spike_opens_an_http_incident_until_it_passes() {
    let mut config = with_token(fast(quiet_config()));
    config.set_chaos_error_rate(1.0).unwrap();
    let (agent, addr) = start(config).await;
    let feed = agent.feed("test");
    feed.send(vec![tick("AAPL", 100.0)]).await.unwrap();
    for _ in 0..30 {
        assert_eq!(get(addr, "/api/v1/quotes/AAPL").await.0, 500);
    }
    let open = wait_for_incident(addr, "http_errors", keyed("http_errors")).await;
    assert_eq!(open.severity, Severity::Sev2);
    assert_eq!(open.title, "HTTP requests are failing");
    assert_eq!(open.labels["component"], "http");
    assert_eq!(open.labels["kind"], "http_errors");
    assert!(
        open.timeline[0].text.contains("answered 5xx"),
        "{:?}",
        open.timeline
    );
    assert_eq!(
        metric(addr, "mda_incidents_total{kind=\"http_errors\"}").await,
        1.0
    );

    // Chaos off: the errors slide out of the 1 s window and it resolves.
    let response = reqwest::Client::new()
        .put(url(addr, "/api/v1/admin/chaos"))
        .bearer_auth(TOKEN)
        .body(r#"{"error_rate":0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(get(addr, "/api/v1/quotes/AAPL").await.0, 200);
    let resolved = wait_for_incident(addr, "resolved", |i| {
        i.id == open.id && i.status == IncidentStatus::Resolved
    })
    .await;
    assert_eq!(resolved.resolved_by.as_deref(), Some("auto"));
    assert_eq!(kinds(&resolved).last(), Some(&"auto_resolved"));
    drop(feed);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn listing_filters_by_status_and_severity_and_rejects_bad_values() {
    let mut config = fast(quiet_config());
    config.incidents.open_actions = true;
    let (agent, addr) = start(config).await;
    down_source(&agent, "a");
    down_source(&agent, "b");
    let a = wait_for_incident(addr, "source_down:a", keyed("source_down:a")).await;
    let b = wait_for_incident(addr, "source_down:b", keyed("source_down:b")).await;
    ok_incident(action(addr, &a.id, "resolve", None, json!({"author":"ann"})).await).await;

    let ids = |list: Vec<Incident>| list.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(ids(incidents(addr, "").await), [b.id.as_str(), a.id.as_str()]);
    assert_eq!(ids(incidents(addr, "?status=resolved").await), [a.id.as_str()]);
    assert_eq!(
        ids(incidents(addr, "?status=triggered,acknowledged").await),
        [b.id.as_str()]
    );
    assert_eq!(
        ids(incidents(addr, "?status=triggered,acknowledged&severity=SEV1,SEV2").await),
        [b.id.as_str()]
    );
    assert!(incidents(addr, "?severity=SEV3,SEV4").await.is_empty());
    assert_eq!(
        ids(incidents(addr, "?severity=sev1&status=Resolved").await),
        [a.id.as_str()]
    );

    for bad in [
        "?status=open",
        "?status=",
        "?status=triggered,,resolved",
        "?severity=SEV5",
        "?severity=1",
        "?bogus=1",
    ] {
        let (status, body) = get_json::<ErrorBody>(addr, &format!("/api/v1/incidents{bad}")).await;
        assert_eq!((status, body.error.code.as_str()), (400, "bad_request"), "{bad}");
    }
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn retention_drops_old_resolved_incidents() {
    let mut config = fast(quiet_config());
    config.incidents.open_actions = true;
    config.incidents.max_resolved = 1;
    config.incidents.resolved_max_age_ms = 1_500;
    let (agent, addr) = start(config).await;
    for name in ["a", "b", "c"] {
        down_source(&agent, name);
    }
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let key = format!("source_down:{name}");
        ids.push(wait_for_incident(addr, &key, keyed(&key)).await.id);
    }
    for id in &ids[..2] {
        ok_incident(action(addr, id, "resolve", None, json!({"author":"ann"})).await).await;
    }
    // At most one resolved incident is kept: the latest resolution.
    let resolved = incidents(addr, "?status=resolved").await;
    assert_eq!(resolved.iter().map(|i| &i.id).collect::<Vec<_>>(), [&ids[1]]);
    assert_eq!(incidents(addr, "").await.len(), 2);
    // And none for longer than 1.5 s.
    for _ in 0..100 {
        if incidents(addr, "?status=resolved").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(incidents(addr, "?status=resolved").await.is_empty());
    let open = incidents(addr, "").await;
    assert_eq!(open.iter().map(|i| &i.id).collect::<Vec<_>>(), [&ids[2]]);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_inject_route_checks_its_input() {
    let (agent, addr) = start(with_token(fast(config()))).await;
    for (body, status, code) in [
        (
            json!({"kind":"price_jump","symbol":"NOPE","factor":1.1}),
            404,
            "unknown_symbol",
        ),
        (
            json!({"kind":"price_jump","symbol":"AAPL","factor":0}),
            400,
            "bad_request",
        ),
        (json!({"kind":"price_jump","symbol":"AAPL"}), 400, "bad_request"),
        (
            json!({"kind":"stall","symbol":"AAPL","seconds":-1}),
            400,
            "bad_request",
        ),
        (
            json!({"kind":"stall","symbol":"AAPL","seconds":10,"x":1}),
            400,
            "bad_request",
        ),
        (json!({"kind":"melt","symbol":"AAPL"}), 400, "bad_request"),
    ] {
        let response = post(addr, "/api/v1/admin/inject", Some(TOKEN), body.clone()).await;
        assert_eq!(error_of(response).await, (status, code.into()), "{body}");
    }
    let response = post(
        addr,
        "/api/v1/admin/inject",
        Some("wrong"),
        json!({"kind":"stall","symbol":"*","seconds":1}),
    )
    .await;
    assert_eq!(error_of(response).await, (401, "unauthorized".into()));
    agent.shutdown().await.unwrap();

    // Without the simulator there is nothing to inject into.
    let (agent, addr) = start(with_token(fast(quiet_config()))).await;
    let response = post(
        addr,
        "/api/v1/admin/inject",
        Some(TOKEN),
        json!({"kind":"stall","symbol":"AAPL","seconds":1}),
    )
    .await;
    assert_eq!(error_of(response).await, (409, "simulator_off".into()));
    agent.shutdown().await.unwrap();
}
