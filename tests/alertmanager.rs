//! The Alertmanager client against a real Alertmanager (Debian's
//! `prometheus-alertmanager`, installed by `./.ci/run`) running the shipped
//! config on a free loopback port: alerts posted to it come back grouped as
//! configured, an ACK silence made through the client exists with its
//! matchers, author and comment, suppresses exactly its group, and once
//! expired lets the alerts notify again. The console's own action path
//! (keys, confirmation, executor) silences, expires and acknowledges against
//! that Alertmanager and a real agent. Against fake servers: a hanging
//! Alertmanager times out, a failing one gives a readable error.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Daemon, free_port, root, scratch_dir};
use mdops::domain::incidents::{CorrelationOptions, IncidentStatus, Severity, correlate};
use mdops::sources::alertmanager::{
    ACK_DURATION, AlertFilter, AlertGroup, AlertState, AlertmanagerClient, AmError, Matcher, SilenceState,
    ack_silence, extend_ack, find_ack,
};
use mdops::sources::now_ms;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SHIPPED_CONFIG: &str = "config/alertmanager/alertmanager.yml";
const PROGRAM: &str = "prometheus-alertmanager";
const SERVICE: &str = "market-data-agent";
const OTHER: &str = "quotes-gateway";

/// An Alertmanager on a free loopback port with the shipped config, in a
/// temporary directory; killed and removed on drop.
struct Alertmanager {
    daemon: Daemon,
    url: String,
}

impl Alertmanager {
    fn start() -> Alertmanager {
        let dir = scratch_dir("mdops-am");
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::copy(root().join(SHIPPED_CONFIG), dir.join("alertmanager.yml")).unwrap();
        let port = free_port();
        let args = [
            format!("--config.file={}", dir.join("alertmanager.yml").display()),
            format!("--storage.path={}", dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            // Empty: no cluster gossip (it would bind a port of its own).
            "--cluster.listen-address=".to_string(),
        ];
        let daemon = Daemon::start(PROGRAM, PROGRAM, dir, &args);
        Alertmanager {
            daemon,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits for `/-/ready`; fails with Alertmanager's log if it never is.
    async fn wait_ready(&mut self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(response) = http.get(format!("{}/-/ready", self.url)).send().await
                && response.status().is_success()
            {
                return;
            }
            if let Ok(Some(status)) = self.daemon.child.try_wait() {
                panic!("alertmanager exited ({status}):\n{}", self.daemon.log(PROGRAM));
            }
            assert!(
                Instant::now() < deadline,
                "alertmanager not ready:\n{}",
                self.daemon.log(PROGRAM)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Polls `check` every 50 ms for up to 5 s; the last value if it never holds.
async fn eventually<T, F, Fut>(mut fetch: F, check: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let value = fetch().await;
        if check(&value) || Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn group_of<'a>(groups: &'a [AlertGroup], service: &str) -> Option<&'a AlertGroup> {
    groups
        .iter()
        .find(|g| g.labels.get("service").map(String::as_str) == Some(service))
}

#[tokio::test]
async fn groups_ack_silence_and_expiry_against_a_real_alertmanager() {
    let http = reqwest::Client::new();
    let mut am = Alertmanager::start();
    am.wait_ready(&http).await;
    let client = AlertmanagerClient::new(&am.url, Duration::from_secs(5)).unwrap();

    let status = client.status().await.unwrap();
    assert!(!status.version.is_empty());
    assert_eq!(status.cluster_status, "disabled");
    assert!(status.uptime(now_ms()) < Duration::from_secs(60));

    // Two alerts of one group (same service and alert name), one of another
    // service: as Prometheus would send them.
    let alert = |service: &str, source: &str| {
        json!({
            "labels": {"alertname": "MdaFeedStale", "service": service, "component": "feed",
                       "severity": "ticket", "source": source, "instance": "127.0.0.1:8080"},
            "annotations": {"summary": format!("Feed {source} is stale")},
            "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=mda_source_last_tick_age_seconds"
        })
    };
    let posted = http
        .post(format!("{}/api/v2/alerts", am.url))
        .json(&json!([
            alert(SERVICE, "sim"),
            alert(SERVICE, "replay"),
            alert(OTHER, "sim")
        ]))
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success(), "{posted:?}");

    let groups = eventually(
        || async { client.groups().await.unwrap() },
        |g| group_of(g, SERVICE).is_some_and(|g| g.alerts.len() == 2) && group_of(g, OTHER).is_some(),
    )
    .await;
    assert_eq!(groups.len(), 2, "{groups:#?}");
    let ours = group_of(&groups, SERVICE).unwrap().clone();
    // group_by [service, alertname]; severity ticket routes to `ticket`.
    assert_eq!(
        ours.labels,
        labels(&[("alertname", "MdaFeedStale"), ("service", SERVICE)])
    );
    assert_eq!(ours.receiver, "ticket");
    let mut sources: Vec<&str> = ours.alerts.iter().map(|a| a.labels["source"].as_str()).collect();
    sources.sort();
    assert_eq!(sources, ["replay", "sim"]);
    for alert in &ours.alerts {
        assert_eq!(alert.status.state, AlertState::Active);
        assert!(
            alert
                .generator_url
                .as_deref()
                .unwrap()
                .contains("mda_source_last_tick_age_seconds")
        );
        assert!(alert.annotations["summary"].starts_with("Feed "));
        assert!(alert.is_firing(now_ms()));
    }
    assert_eq!(group_of(&groups, OTHER).unwrap().alerts.len(), 1);

    // ACK the group through the client.
    let ack = ack_silence(&ours.labels, "ana", now_ms(), ACK_DURATION).unwrap();
    let id = client.create_silence(&ack).await.unwrap();
    assert!(!id.is_empty());

    let silences = client.silences().await.unwrap();
    let silence = silences
        .iter()
        .find(|s| s.id == id)
        .expect("the new silence is listed");
    assert_eq!(silence.status, SilenceState::Active);
    assert_eq!(
        silence.matchers,
        vec![
            Matcher::equal("alertname", "MdaFeedStale"),
            Matcher::equal("service", SERVICE)
        ]
    );
    assert_eq!(silence.created_by, "ana");
    assert!(silence.comment.starts_with("ACK!"), "{}", silence.comment);
    assert_eq!(silence.comment, ack.comment);
    assert_eq!(silence.ends_at, ack.ends_at);
    assert_eq!(
        find_ack(&silences, &ours.labels).map(|s| s.id.as_str()),
        Some(id.as_str())
    );

    // The same, read without the client: Alertmanager's own field names.
    let raw: serde_json::Value = http
        .get(format!("{}/api/v2/silences", am.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let raw = raw
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .expect("listed in the raw answer")
        .clone();
    assert_eq!(raw["createdBy"], "ana");
    assert_eq!(raw["comment"], ack.comment.as_str());
    assert_eq!(raw["status"]["state"], "active");
    assert_eq!(
        raw["matchers"],
        json!([
            {"name": "alertname", "value": "MdaFeedStale", "isRegex": false, "isEqual": true},
            {"name": "service", "value": SERVICE, "isRegex": false, "isEqual": true}
        ])
    );

    // The group's alerts are suppressed by that silence; the other
    // service's alert is not.
    let everything = AlertFilter::default();
    let alerts = eventually(
        || async { client.alerts(&everything).await.unwrap() },
        |alerts| {
            alerts
                .iter()
                .filter(|a| a.status.state == AlertState::Suppressed)
                .count()
                == 2
        },
    )
    .await;
    assert_eq!(alerts.len(), 3);
    for alert in &alerts {
        if alert.labels["service"] == SERVICE {
            assert_eq!(alert.status.state, AlertState::Suppressed, "{alert:#?}");
            assert_eq!(alert.status.silenced_by, vec![id.clone()]);
        } else {
            assert_eq!(alert.status.state, AlertState::Active, "{alert:#?}");
            assert!(alert.status.silenced_by.is_empty());
        }
    }
    // Filters: only what still notifies; only one service.
    let active_only = AlertFilter {
        silenced: false,
        inhibited: false,
        ..AlertFilter::default()
    };
    let active = client.alerts(&active_only).await.unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].labels["service"], OTHER);
    let ours_only = AlertFilter {
        matchers: vec![Matcher::equal("service", SERVICE).to_string()],
        ..AlertFilter::default()
    };
    assert_eq!(client.alerts(&ours_only).await.unwrap().len(), 2);

    // Extending the ACK updates the same silence in place.
    let later = extend_ack(silence, now_ms() + 60_000, ACK_DURATION);
    let extended_id = client.create_silence(&later).await.unwrap();
    assert_eq!(extended_id, id);
    let silences = client.silences().await.unwrap();
    let extended = silences.iter().find(|s| s.id == id).unwrap();
    assert_eq!(extended.ends_at, later.ends_at);
    assert!(extended.ends_at > ack.ends_at);

    // Expire it: the silence is expired and the alerts notify again.
    client.expire_silence(&id).await.unwrap();
    let silences = client.silences().await.unwrap();
    assert_eq!(
        silences.iter().find(|s| s.id == id).unwrap().status,
        SilenceState::Expired
    );
    assert_eq!(find_ack(&silences, &ours.labels), None);
    let alerts = eventually(
        || async { client.alerts(&everything).await.unwrap() },
        |alerts| alerts.iter().all(|a| a.status.state == AlertState::Active),
    )
    .await;
    assert!(
        alerts
            .iter()
            .all(|a| a.status.state == AlertState::Active && a.status.silenced_by.is_empty()),
        "{alerts:#?}"
    );

    // Alertmanager's own errors come through readable.
    let missing = client
        .expire_silence("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(missing.to_string(), "HTTP 500: silence not found");
    let bad_id = client.expire_silence("not-a-uuid").await.unwrap_err();
    assert!(
        bad_id
            .to_string()
            .starts_with("HTTP 422: silenceID in path must be of type uuid"),
        "{bad_id}"
    );
    let bad_filter = AlertFilter {
        matchers: vec!["service".into()],
        ..AlertFilter::default()
    };
    let error = client.alerts(&bad_filter).await.unwrap_err();
    assert_eq!(error.to_string(), "HTTP 400: bad matcher format: service");
}

#[tokio::test]
async fn shipped_inhibit_rules_and_correlation_on_real_groups() {
    let http = reqwest::Client::new();
    let mut am = Alertmanager::start();
    am.wait_ready(&http).await;
    let client = AlertmanagerClient::new(&am.url, Duration::from_secs(5)).unwrap();
    let alert = |name: &str, severity: &str, component: &str| {
        json!({"labels": {"alertname": name, "service": SERVICE, "component": component,
                          "severity": severity, "instance": "127.0.0.1:8080", "source": "sim"}})
    };
    // A page and a ticket of one alert (page inhibits ticket), and a stale
    // feed under "no fresh data" (inhibited by the latter).
    let posted = http
        .post(format!("{}/api/v2/alerts", am.url))
        .json(&json!([
            alert("MdaSourceDown", "page", "feed"),
            alert("MdaSourceDown", "ticket", "feed"),
            alert("MdaNoFreshData", "page", "feed"),
            alert("MdaFeedStale", "ticket", "feed"),
        ]))
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success());
    let alerts = eventually(
        || async { client.alerts(&AlertFilter::default()).await.unwrap() },
        |alerts| {
            alerts.len() == 4
                && alerts
                    .iter()
                    .filter(|a| !a.status.inhibited_by.is_empty())
                    .count()
                    == 2
        },
    )
    .await;
    let page_fingerprint = |name: &str| {
        alerts
            .iter()
            .find(|a| a.name() == name && a.labels["severity"] == "page")
            .map(|a| a.fingerprint.clone())
            .unwrap()
    };
    for alert in &alerts {
        let expected_by = match (alert.name(), alert.labels["severity"].as_str()) {
            ("MdaSourceDown", "ticket") => Some(page_fingerprint("MdaSourceDown")),
            ("MdaFeedStale", _) => Some(page_fingerprint("MdaNoFreshData")),
            _ => None,
        };
        match expected_by {
            Some(by) => {
                assert_eq!(alert.status.state, AlertState::Suppressed, "{alert:#?}");
                assert_eq!(alert.status.inhibited_by, vec![by], "{alert:#?}");
            }
            None => assert_eq!(alert.status.state, AlertState::Active, "{alert:#?}"),
        }
    }

    // The console's correlation over the real groups: one problem, SEV1,
    // triggered (the pages fire and nobody handles them).
    // Four groups: the page and the ticket of MdaSourceDown share labels
    // but go to different receivers.
    let groups = client.groups().await.unwrap();
    assert_eq!(groups.len(), 4, "{groups:#?}");
    let rows = correlate(&groups, &[], &[], now_ms(), &CorrelationOptions::default());
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].signal_count(), 4);
    assert_eq!(rows[0].severity, Severity::Sev1);
    assert_eq!(rows[0].status, IncidentStatus::Triggered);
    // Acking the row silences three label sets, one per distinct group.
    assert_eq!(rows[0].alert_groups().len(), 3);
}

async fn fake_server() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// Serves one canned HTTP response per connection.
async fn serve_canned(listener: TcpListener, response: String) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let response = response.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}

fn http_response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn hanging_alertmanager_times_out_with_a_clear_error() {
    let (listener, url) = fake_server().await;
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = AlertmanagerClient::new(&url, Duration::from_millis(300)).unwrap();
    let started = Instant::now();
    let error = client.groups().await.unwrap_err();
    assert_eq!(error, AmError::Transport("timed out after 0.3s".into()));
    assert!(started.elapsed() < Duration::from_secs(3));
    server.abort();
}

#[tokio::test]
async fn http_500_shows_status_and_alertmanagers_message() {
    let (listener, url) = fake_server().await;
    let server = tokio::spawn(serve_canned(
        listener,
        http_response(
            "500 Internal Server Error",
            "application/json",
            r#""failed to get silences: storage unavailable""#,
        ),
    ));
    let client = AlertmanagerClient::new(&url, Duration::from_secs(2)).unwrap();
    let error = client.silences().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "HTTP 500: failed to get silences: storage unavailable"
    );
    server.abort();

    // A proxy in front answering plain text.
    let (listener, url) = fake_server().await;
    let server = tokio::spawn(serve_canned(
        listener,
        http_response("502 Bad Gateway", "text/plain", "upstream connect error\n"),
    ));
    let client = AlertmanagerClient::new(&url, Duration::from_secs(2)).unwrap();
    let error = client.alerts(&AlertFilter::default()).await.unwrap_err();
    assert_eq!(error.to_string(), "HTTP 502: upstream connect error");
    server.abort();
}

#[tokio::test]
async fn garbage_success_and_refused_connections_are_errors_not_panics() {
    let (listener, url) = fake_server().await;
    let server = tokio::spawn(serve_canned(
        listener,
        http_response("200 OK", "application/json", "{\"not\": \"a list\"}"),
    ));
    let client = AlertmanagerClient::new(&url, Duration::from_secs(2)).unwrap();
    let error = client.groups().await.unwrap_err();
    assert!(error.to_string().starts_with("unexpected answer: "), "{error}");
    server.abort();

    let port = free_port();
    let client =
        AlertmanagerClient::new(&format!("http://127.0.0.1:{port}"), Duration::from_secs(2)).unwrap();
    let error = client.status().await.unwrap_err().to_string();
    assert!(error.to_lowercase().contains("refused"), "{error}");
}

// ------------------------------------------------------- the console's path

/// An `App` fed by the real pollers, acting through the real executor.
struct Console {
    app: mdops::app::App,
    tx: tokio::sync::mpsc::Sender<mdops::app::Msg>,
    rx: tokio::sync::mpsc::Receiver<mdops::app::Msg>,
    agent: mdops::sources::agent::AgentClient,
    alertmanager: AlertmanagerClient,
    audit: mdops::actions::audit::AuditLog,
    tasks: tokio::task::JoinSet<()>,
}

impl Console {
    fn start(agent_url: &str, token: &str, am_url: &str) -> Console {
        use mdops::app::slos::SlosState;
        use mdops::app::{App, AppConfig, IncidentSettings, SourceId};
        use mdops::domain::backoff::Backoff;
        use mdops::slo::SloSet;
        use mdops::sources::incidents::{run_agent_incidents, run_alertmanager};
        use std::sync::Arc;

        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let agent = mdops::sources::agent::AgentClient::new(agent_url, Duration::from_secs(5))
            .unwrap()
            .with_token(Some(token.to_string()));
        let alertmanager = AlertmanagerClient::new(am_url, Duration::from_secs(5)).unwrap();
        let every = Duration::from_millis(200);
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(run_agent_incidents(
            agent.clone(),
            every,
            tx.clone(),
            Backoff::default(),
        ));
        tasks.spawn(run_alertmanager(
            alertmanager.clone(),
            every,
            tx.clone(),
            Backoff::default(),
        ));
        let set = Arc::new(SloSet::embedded());
        let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
        let config = AppConfig {
            target: agent_url.to_string(),
            environment: "local".to_string(),
            environments: vec!["local".to_string()],
            stale_after_ms: 5_000,
            sources: vec![SourceId::AgentIncidents, SourceId::Alertmanager],
            incidents: IncidentSettings {
                author: "ana".to_string(),
                read_only: false,
                ack_duration: ACK_DURATION,
                alertmanager: Some(am_url.to_string()),
            },
            actions: mdops::app::ActionSettings::default(),
        };
        let mut app = App::new(config, SlosState::new(set, source), now_ms());
        app.update(mdops::app::Msg::Key(key('3')));
        let audit_path = scratch_dir("mdops-console-audit").join("audit.jsonl");
        Console {
            app,
            tx,
            rx,
            agent,
            alertmanager,
            audit: mdops::actions::audit::AuditLog::open(&audit_path).unwrap(),
            tasks,
        }
    }

    /// Applies messages until the incidents model satisfies `check`.
    async fn until(&mut self, what: &str, check: impl Fn(&mdops_views::model::IncidentsModel) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let mdops_views::model::BodyModel::Incidents(model) = self.app.view().body
                && check(&model)
            {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(msg)) => self.apply(msg),
                _ => panic!(
                    "timed out waiting for {what}; screen model: {:#?}",
                    self.app.view().body
                ),
            }
        }
    }

    fn apply(&mut self, msg: mdops::app::Msg) {
        for command in self.app.update(msg) {
            if let mdops::app::Command::Act(plan) = command {
                self.tasks.spawn(mdops::sources::incidents::execute(
                    plan,
                    self.agent.clone(),
                    Some(self.alertmanager.clone()),
                    Some(self.audit.clone()),
                    self.tx.clone(),
                ));
            }
        }
    }

    fn press(&mut self, c: char) {
        let code = match c {
            '\n' => crossterm::event::KeyCode::Enter,
            '\t' => crossterm::event::KeyCode::Tab,
            c => crossterm::event::KeyCode::Char(c),
        };
        let event = crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE);
        self.apply(mdops::app::Msg::Key(event));
    }

    fn type_text(&mut self, text: &str) {
        text.chars().for_each(|c| self.press(c));
    }

    /// Applies messages until the action labelled `label` reports; its outcome.
    async fn outcome(&mut self, label: &str) -> String {
        // A deadline for a hung action, not a timing: generous for a loaded
        // machine, as `until`'s.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(mdops::app::Msg::ActionDone { label: done, result })) if done == label => {
                    let text = result.clone().unwrap_or_else(|e| panic!("{label} failed: {e}"));
                    self.apply(mdops::app::Msg::ActionDone { label: done, result });
                    return text;
                }
                Ok(Some(msg)) => self.apply(msg),
                Ok(None) => panic!("{label}: the sources' channel closed before it reported"),
                Err(_) => panic!(
                    "{label} never reported; status line: {:?}",
                    self.app.view().status
                ),
            }
        }
    }

    /// Selects the row whose title contains `needle`.
    fn select(&mut self, needle: &str) {
        for _ in 0..20 {
            let title = match self.app.view().body {
                mdops_views::model::BodyModel::Incidents(m) => m.detail.map(|d| d.title.to_string()),
                _ => None,
            };
            if title.is_some_and(|t| t.contains(needle)) {
                return;
            }
            self.press('j');
        }
        panic!("no row titled {needle:?}");
    }
}

fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    )
}

#[tokio::test]
async fn the_console_lists_groups_then_silences_expires_and_acknowledges_through_its_action_path() {
    let http = reqwest::Client::new();
    let mut am = Alertmanager::start();
    am.wait_ready(&http).await;
    // A real agent whose simulator jumps AAPL's price after a second: one
    // agent incident (price anomaly) to acknowledge.
    let token = "console-path-token";
    let agent = market_data_agent::spawn(common::incident_agent_config(token))
        .await
        .unwrap();
    let agent_url = format!("http://{}", agent.addr());

    let alert = |source: &str| {
        json!({
            "labels": {"alertname": "MdaSourceDown", "service": OTHER, "component": "feed",
                       "severity": "page", "source": source},
            "annotations": {"summary": format!("Source {source} is down"),
                            "runbook_url": "https://runbooks.example/source-down"}
        })
    };
    let posted = http
        .post(format!("{}/api/v2/alerts", am.url))
        .json(&json!([alert("sim"), alert("replay")]))
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success());

    let mut console = Console::start(&agent_url, token, &am.url);
    // Both alerts, grouped by Alertmanager, are one row; the agent's
    // anomaly is another.
    console
        .until("the alert group and the agent incident", |m| {
            m.rows.iter().any(|r| r.signals == 2 && r.service == OTHER)
                && m.rows
                    .iter()
                    .any(|r| r.service == SERVICE && r.component == "pricing")
        })
        .await;

    // s: silence the alert row, matchers pre-filled from the first alert,
    // narrowed to the alert name and service so it covers both.
    console.select("Source");
    console.press('s');
    console.press('\t');
    console.type_text("replacing the feed host");
    console.press('\t');
    for _ in 0..300 {
        console.apply(mdops::app::Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Backspace,
            crossterm::event::KeyModifiers::NONE,
        )));
    }
    console.type_text(&format!(r#"alertname="MdaSourceDown", service="{OTHER}""#));
    console.press('\n');
    let done = console.outcome("silence").await;
    assert!(
        done.starts_with("silence ") && done.ends_with(" created"),
        "{done}"
    );

    let silences = console.alertmanager.silences().await.unwrap();
    let ours: Vec<_> = silences
        .iter()
        .filter(|s| s.comment == "replacing the feed host")
        .collect();
    assert_eq!(ours.len(), 1, "{silences:#?}");
    let silence = ours[0];
    assert_eq!(silence.status, SilenceState::Active);
    assert_eq!(silence.created_by, "ana");
    assert_eq!(
        silence.matchers,
        vec![
            Matcher::equal("alertname", "MdaSourceDown"),
            Matcher::equal("service", OTHER)
        ]
    );
    // Alertmanager moves a start in the past to its own now: 2h, give or
    // take the age of the console's clock.
    let length = silence.ends_at - silence.starts_at;
    assert!(
        (2 * 3_600_000 - length).abs() < 5_000,
        "the default 2h, got {length} ms"
    );
    console
        .until("the row marked silenced", |m| {
            m.rows.iter().any(|r| r.service == OTHER && r.silenced)
        })
        .await;

    // E: expire it, and Alertmanager says it is expired.
    let id = silence.id.clone();
    console.press('E');
    console.press('\n');
    let done = console.outcome("expire").await;
    assert!(done.ends_with("expired"), "{done}");
    let expired = eventually(
        || async { console.alertmanager.silences().await.unwrap() },
        |all| {
            all.iter()
                .any(|s| s.id == id && s.status == SilenceState::Expired)
        },
    )
    .await;
    assert!(
        expired
            .iter()
            .any(|s| s.id == id && s.status == SilenceState::Expired)
    );

    // a on the agent's incident: acknowledged by the agent, with the author.
    console.select("AAPL");
    console.press('a');
    console.press('\n');
    let done = console.outcome("acknowledge").await;
    assert!(done.contains("acknowledged"), "{done}");
    let incidents = console.agent.incidents().await.unwrap();
    let acked = incidents
        .iter()
        .find(|i| i.dedup_key == "price_anomaly:AAPL")
        .expect("the anomaly incident");
    assert_eq!(acked.status, market_data_agent::api::IncidentStatus::Acknowledged);
    assert_eq!(acked.acknowledged_by.as_deref(), Some("ana"));
    console
        .until("the row shown acknowledged", |m| {
            m.rows.iter().any(|r| {
                r.component == "pricing" && r.status == mdops_views::model::IncidentStatusModel::Acknowledged
            })
        })
        .await;

    // Every attempt is in the audit log, before and after.
    let entries = mdops::actions::audit::read_entries(console.audit.path()).unwrap();
    let summary: Vec<(String, mdops::actions::audit::Phase)> =
        entries.iter().map(|e| (e.action.clone(), e.phase)).collect();
    use mdops::actions::audit::Phase::{Finished, Started};
    assert_eq!(
        summary,
        [
            ("silence".to_string(), Started),
            ("silence".to_string(), Finished),
            ("expire".to_string(), Started),
            ("expire".to_string(), Finished),
            ("acknowledge".to_string(), Started),
            ("acknowledge".to_string(), Finished),
        ]
    );
    assert!(entries.iter().all(|e| e.user == "ana"));
    assert!(
        entries[1].params["step1"].contains(r#"alertname="MdaSourceDown""#),
        "{:?}",
        entries[1]
    );
    assert_eq!(entries[5].result.as_deref(), Some("ok"));
    let _ = std::fs::remove_dir_all(console.audit.path().parent().unwrap());

    console.tasks.abort_all();
    agent.shutdown().await.unwrap();
}
