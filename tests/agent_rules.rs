//! The agent's alert rules and the Alertmanager config against the real
//! tools (Debian's `prometheus` package brings `promtool`,
//! `prometheus-alertmanager` brings `amtool`; `./.ci/run` installs both):
//! the rules load, their unit tests in config/prometheus/tests/agent_test.yml
//! pass, every alert carries the labels and annotations the console and the
//! routing rely on, and the Alertmanager config loads and routes by severity.

mod common;

use common::{root, run_tool_ok};

const RULES: &str = "config/prometheus/rules/agent.rules.yml";
const RULE_TESTS: &str = "config/prometheus/tests/agent_test.yml";
const ALERTMANAGER: &str = "config/alertmanager/alertmanager.yml";

fn run_ok(tool: &str, package: &str, args: &[&str]) -> String {
    run_tool_ok(tool, package, root(), args)
}

#[test]
fn agent_rules_load() {
    let text = run_ok("promtool", "prometheus", &["check", "rules", RULES]);
    assert!(text.contains("SUCCESS: 6 rules found"), "{text}");
}

#[test]
fn agent_rule_unit_tests_pass() {
    let text = run_ok("promtool", "prometheus", &["test", "rules", RULE_TESTS]);
    assert!(text.contains("SUCCESS"), "{text}");
}

#[test]
fn every_alert_is_labelled_for_routing_and_correlation() {
    let rules = std::fs::read_to_string(root().join(RULES)).unwrap();
    let tests = std::fs::read_to_string(root().join(RULE_TESTS)).unwrap();
    let alerts: Vec<&str> = rules
        .split("\n      - alert: ")
        .skip(1)
        .map(|block| block.lines().next().unwrap().trim())
        .collect();
    assert_eq!(
        alerts,
        [
            "MdaAgentDown",
            "MdaNoFreshData",
            "MdaSourceDown",
            "MdaFeedStale",
            "MdaTicksRejected",
            "MdaWsClientsDropped"
        ]
    );
    for block in rules.split("\n      - alert: ").skip(1) {
        let name = block.lines().next().unwrap().trim();
        for needed in [
            "service: market-data-agent",
            "component: ",
            "summary: ",
            "description: ",
            "runbook_url: ",
        ] {
            assert!(block.contains(needed), "{name} has no {needed:?}");
        }
        assert!(
            block.contains("severity: page") || block.contains("severity: ticket"),
            "{name}: severity must be page or ticket"
        );
        // Each alert is shown to fire in the unit tests, and to stay quiet
        // on a healthy agent.
        assert!(
            tests.contains(&format!(
                "alertname: {name}\n        exp_alerts:\n          - exp_labels"
            )),
            "{name} never fires in {RULE_TESTS}"
        );
        assert!(
            tests.contains(&format!("{{eval_time: 30m, alertname: {name}, exp_alerts: []}}")),
            "{name} is not checked on the healthy agent in {RULE_TESTS}"
        );
    }
}

#[test]
fn alertmanager_config_is_valid() {
    let text = run_ok(
        "amtool",
        "prometheus-alertmanager",
        &["check-config", ALERTMANAGER],
    );
    assert!(text.contains("SUCCESS"), "{text}");
    assert!(text.contains("3 inhibit rules"), "{text}");
}

#[test]
fn alertmanager_routes_by_severity() {
    let config = format!("--config.file={ALERTMANAGER}");
    for (labels, receiver) in [
        (
            &[
                "severity=page",
                "service=market-data-agent",
                "alertname=MdaSourceDown",
            ][..],
            "page",
        ),
        (
            &[
                "severity=ticket",
                "service=market-data-agent",
                "alertname=MdaFeedStale",
            ][..],
            "ticket",
        ),
        (
            &["service=market-data-agent", "alertname=Unlabelled"][..],
            "ticket",
        ),
    ] {
        let mut args = vec!["config", "routes", "test", &config];
        let verify = format!("--verify.receivers={receiver}");
        args.push(&verify);
        args.extend_from_slice(labels);
        let text = run_ok("amtool", "prometheus-alertmanager", &args);
        assert_eq!(text.lines().next(), Some(receiver), "{labels:?}: {text}");
    }
}

#[test]
fn no_external_addresses_in_the_alertmanager_config() {
    let config = std::fs::read_to_string(root().join(ALERTMANAGER)).unwrap();
    for line in config.lines().filter(|l| l.contains("url:")) {
        assert!(line.contains("http://127.0.0.1:"), "{line}");
    }
}
