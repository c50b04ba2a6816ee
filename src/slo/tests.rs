use std::time::Duration;

use super::rules::{block, scalar};
use super::*;

const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

const QUOTES: &str = r#"route="/api/v1/quotes/{symbol}""#;

#[test]
fn embedded_file_parses_to_the_four_slos() {
    let set = SloSet::embedded();
    assert_eq!(set.policy, AlertPolicy::workbook());
    let names: Vec<&str> = set.slos.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "quotes-availability",
            "quotes-latency",
            "ws-delivery",
            "data-freshness"
        ]
    );
    let objectives: Vec<f64> = set.slos.iter().map(|s| s.objective).collect();
    assert_eq!(objectives, [0.999, 0.99, 0.9995, 0.999]);
    for slo in &set.slos {
        assert_eq!(slo.service, "mda");
        assert_eq!(slo.period, 30 * DAY);
        assert!(!slo.description.is_empty());
    }
    assert_eq!(
        set.slos[0].indicator,
        Indicator::Ratio {
            errors: vec![format!("mda_http_requests_total{{{QUOTES},code=~\"5..\"}}")],
            total: vec![format!("mda_http_requests_total{{{QUOTES}}}")],
        }
    );
    assert_eq!(
        set.slos[1].indicator,
        Indicator::Latency {
            histogram: "mda_http_request_duration_seconds".into(),
            selector: format!("{{{QUOTES}}}"),
            threshold: 0.1,
        }
    );
    assert_eq!(
        set.slos[2].indicator,
        Indicator::Ratio {
            errors: vec!["mda_ws_updates_conflated_total".into()],
            total: vec![
                "mda_ws_frames_sent_total{type=\"ticks\"}".into(),
                "mda_ws_updates_conflated_total".into()
            ],
        }
    );
    assert_eq!(
        set.slos[3].indicator,
        Indicator::Ratio {
            errors: vec!["mda_ticks_rejected_total".into()],
            total: vec![
                "mda_ticks_accepted_total".into(),
                "mda_ticks_rejected_total".into()
            ],
        }
    );
    assert_eq!(set.get("ws-delivery").map(|s| s.objective), Some(0.9995));
}

#[test]
fn default_windows() {
    let set = SloSet::embedded();
    let labels: Vec<String> = set.windows().into_iter().map(format_window).collect();
    assert_eq!(labels, ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
}

#[test]
fn ids_and_alert_names() {
    let set = SloSet::embedded();
    let ids: Vec<String> = set.slos.iter().map(Slo::sloth_id).collect();
    assert_eq!(
        ids,
        [
            "mda-quotes-availability",
            "mda-quotes-latency",
            "mda-ws-delivery",
            "mda-data-freshness"
        ]
    );
    let alerts: Vec<String> = set.slos.iter().map(Slo::alert_name).collect();
    assert_eq!(
        alerts,
        [
            "MdaQuotesAvailabilityBudgetBurn",
            "MdaQuotesLatencyBudgetBurn",
            "MdaWsDeliveryBudgetBurn",
            "MdaDataFreshnessBudgetBurn"
        ]
    );
    let mut slo = set.slos[0].clone();
    slo.service = "9lives".into();
    assert_eq!(slo.alert_name(), "Slo9livesQuotesAvailabilityBudgetBurn");
}

#[test]
fn ratio_promql_is_exact() {
    let set = SloSet::embedded();
    let slo = set.get("quotes-availability").unwrap();
    assert_eq!(
        slo.error_ratio_promql(5 * MIN),
        format!(
            "(sum(rate(mda_http_requests_total{{{QUOTES},code=~\"5..\"}}[5m])) or vector(0)) \
             / (sum(rate(mda_http_requests_total{{{QUOTES}}}[5m])) > 0)"
        )
    );
    assert_eq!(
        slo.error_and_total_promql(HOUR),
        (
            format!("(sum(increase(mda_http_requests_total{{{QUOTES},code=~\"5..\"}}[1h])) or vector(0))"),
            format!("sum(increase(mda_http_requests_total{{{QUOTES}}}[1h]))"),
        )
    );
}

#[test]
fn list_totals_are_summed() {
    let set = SloSet::embedded();
    let slo = set.get("ws-delivery").unwrap();
    assert_eq!(
        slo.error_ratio_promql(30 * DAY),
        "(sum(rate(mda_ws_updates_conflated_total[30d])) or vector(0)) \
         / (sum(rate(mda_ws_frames_sent_total{type=\"ticks\"}[30d])) + sum(rate(mda_ws_updates_conflated_total[30d])) > 0)"
    );
    let (errors, total) = slo.error_and_total_promql(6 * HOUR);
    assert_eq!(
        errors,
        "(sum(increase(mda_ws_updates_conflated_total[6h])) or vector(0))"
    );
    assert_eq!(
        total,
        "sum(increase(mda_ws_frames_sent_total{type=\"ticks\"}[6h])) + sum(increase(mda_ws_updates_conflated_total[6h]))"
    );
    // Several error terms: each defaults to zero on its own.
    let mut slo = slo.clone();
    slo.indicator = Indicator::Ratio {
        errors: vec!["a".into(), "b{x=\"1\"}".into()],
        total: vec!["t".into()],
    };
    assert_eq!(
        slo.error_ratio_promql(5 * MIN),
        "((sum(rate(a[5m])) or vector(0)) + (sum(rate(b{x=\"1\"}[5m])) or vector(0))) / (sum(rate(t[5m])) > 0)"
    );
    assert_eq!(
        slo.error_and_total_promql(5 * MIN).0,
        "(sum(increase(a[5m])) or vector(0)) + (sum(increase(b{x=\"1\"}[5m])) or vector(0))"
    );
}

#[test]
fn latency_promql_is_exact() {
    let set = SloSet::embedded();
    let slo = set.get("quotes-latency").unwrap();
    let count = format!("mda_http_request_duration_seconds_count{{{QUOTES}}}");
    let bucket = format!("mda_http_request_duration_seconds_bucket{{{QUOTES},le=\"0.1\"}}");
    assert_eq!(
        slo.error_ratio_promql(HOUR),
        format!("(sum(rate({count}[1h])) - sum(rate({bucket}[1h]))) / (sum(rate({count}[1h])) > 0)")
    );
    assert_eq!(
        slo.error_and_total_promql(3 * DAY),
        (
            format!("sum(increase({count}[3d])) - sum(increase({bucket}[3d]))"),
            format!("sum(increase({count}[3d]))")
        )
    );
    // No selector: every series of the histogram; le written as Rust prints it.
    let mut slo = slo.clone();
    slo.indicator = Indicator::Latency {
        histogram: "h".into(),
        selector: String::new(),
        threshold: 1.0,
    };
    assert_eq!(
        slo.error_ratio_promql(5 * MIN),
        "(sum(rate(h_count[5m])) - sum(rate(h_bucket{le=\"1\"}[5m]))) / (sum(rate(h_count[5m])) > 0)"
    );
    slo.indicator = Indicator::Latency {
        histogram: "h".into(),
        selector: "{ a=\"x\", }".into(),
        threshold: 0.25,
    };
    assert_eq!(
        slo.error_ratio_promql(5 * MIN),
        "(sum(rate(h_count{a=\"x\"}[5m])) - sum(rate(h_bucket{a=\"x\",le=\"0.25\"}[5m]))) / (sum(rate(h_count{a=\"x\"}[5m])) > 0)"
    );
}

const MINIMAL: &str = r#"
[[slo]]
name = "a"
service = "svc"
objective = 99.5
[slo.indicator]
kind = "ratio"
errors = 'e_total{code="500"}'
total = 't_total'
"#;

#[test]
fn minimal_file_takes_policy_defaults_and_single_strings() {
    let set = SloSet::parse(MINIMAL, "mine.toml").unwrap();
    assert_eq!(set.policy, AlertPolicy::workbook());
    let slo = &set.slos[0];
    assert_eq!(slo.objective, 0.995);
    assert_eq!(slo.period, 30 * DAY);
    assert_eq!(slo.description, "");
    assert_eq!(
        slo.indicator,
        Indicator::Ratio {
            errors: vec!["e_total{code=\"500\"}".into()],
            total: vec!["t_total".into()]
        }
    );
}

#[test]
fn policy_and_period_can_be_changed() {
    let text = r#"
[policy]
period = "28d"
page = [{ long = "1h", short = "5m", factor = 14 }]
ticket = [{ long = "3d", short = "6h", factor = 1.5 }]

[[slo]]
name = "a"
service = "svc"
description = """
  Two
  lines"""
objective = 99
period = "1w"
[slo.indicator]
kind = "latency"
histogram = "h_seconds"
threshold = 0.5
"#;
    let set = SloSet::parse(text, "mine.toml").unwrap();
    assert_eq!(set.policy.period, 28 * DAY);
    assert_eq!(
        set.policy.page,
        vec![WindowPair {
            long: HOUR,
            short: 5 * MIN,
            factor: 14.0
        }]
    );
    assert_eq!(
        set.policy.ticket,
        vec![WindowPair {
            long: 3 * DAY,
            short: 6 * HOUR,
            factor: 1.5
        }]
    );
    let labels: Vec<String> = set.windows().into_iter().map(format_window).collect();
    assert_eq!(labels, ["5m", "1h", "6h", "3d"]);
    let slo = &set.slos[0];
    assert_eq!(slo.period, 7 * DAY);
    assert_eq!(slo.description, "Two lines");
    assert_eq!(
        slo.indicator,
        Indicator::Latency {
            histogram: "h_seconds".into(),
            selector: String::new(),
            threshold: 0.5
        }
    );
    let rules = render_rules(&set);
    assert!(rules.contains("record: 'slo:sli_error:ratio_rate7d'"), "{rules}");
    assert!(rules.contains("vector(7)"), "{rules}");
}

/// `text` with `[[slo]]` entries appended to a valid policy-less file.
fn with_slo(entry: &str) -> String {
    format!("{MINIMAL}\n[[slo]]\n{entry}")
}

const GOOD_B: &str = r#"name = "b"
service = "svc"
objective = 99
[slo.indicator]
kind = "ratio"
errors = "e_total"
total = "t_total"
"#;

fn error_of(text: &str) -> String {
    match SloSet::parse(text, "slo.toml") {
        Ok(set) => panic!("parsed: {set:?}\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_definitions_name_file_line_slo_and_reason() {
    // MINIMAL is a blank line and 8 lines; then a blank line, the appended
    // `[[slo]]` at line 11, its `name` at 12, and so on.
    let cases: Vec<(String, &str)> = vec![
        (
            with_slo(&GOOD_B.replace("errors = \"e_total\"", "errors = 'e_total{code=500}'")),
            "slo.toml:17: slo `b`: `errors` selector \"e_total{code=500}\": column 14: expected a quoted string as the value of label code, found `500}`",
        ),
        (
            with_slo(&GOOD_B.replace("total = \"t_total\"", "total = ['t_total', 'rate(x[5m])']")),
            "slo.toml:18: slo `b`: `total` selector \"rate(x[5m])\": column 5: unexpected `(x[5m])` after the selector",
        ),
        (
            with_slo(&GOOD_B.replace("objective = 99", "objective = 100")),
            "slo.toml:14: slo `b`: `objective` = 100 is a percentage and must be strictly between 0 and 100",
        ),
        (
            with_slo(&GOOD_B.replace("objective = 99", "objective = 0")),
            "slo.toml:14: slo `b`: `objective` = 0 is a percentage and must be strictly between 0 and 100",
        ),
        (
            with_slo(&GOOD_B.replace("objective = 99", "objective = \"99.9\"")),
            "slo.toml:14: slo `b`: `objective` must be a number, not string",
        ),
        (
            with_slo(&GOOD_B.replace("kind = \"ratio\"", "kind = \"availability\"")),
            "slo.toml:16: slo `b`: unknown indicator kind `availability` (expected `ratio` or `latency`)",
        ),
        (
            with_slo(&GOOD_B.replace("name = \"b\"", "name = \"a\"")),
            "slo.toml:12: slo `a`: duplicate SLO name `a`",
        ),
        (
            with_slo(&GOOD_B.replace("objective = 99", "objective = 99\nobjectve = 98")),
            "slo.toml:15: slo `b`: unknown key `objectve` in [[slo]] \
             (expected `name`, `service`, `description`, `objective`, `period`, `indicator`)",
        ),
        (
            with_slo(&GOOD_B.replace("total = \"t_total\"", "total = \"t_total\"\ntotals = \"x\"")),
            "slo.toml:19: slo `b`: unknown key `totals` in a ratio indicator (expected `kind`, `errors`, `total`)",
        ),
        (
            with_slo(&GOOD_B.replace("service = \"svc\"\n", "")),
            "slo.toml:11: slo `b`: missing `service`",
        ),
        (
            with_slo(&GOOD_B.replace("name = \"b\"", "name = \"B c\"")),
            "slo.toml:12: slo `#2`: `name` = \"B c\" must be a slug: lower-case letters, digits and single dashes",
        ),
        (
            with_slo(&GOOD_B.replace("objective = 99", "objective = 99\nperiod = \"1d\"")),
            "slo.toml:15: slo `b`: the period (1d) must be longer than every alert window (the longest is 3d)",
        ),
        (
            with_slo(&GOOD_B.replace("objective = 99", "objective = 99\nperiod = \"30 days\"")),
            "slo.toml:15: slo `b`: `period` = \"30 days\": not a duration (Prometheus syntax: 5m, 1h, 3d, 1h30m)",
        ),
        (
            with_slo(
                "name = \"b\"\nservice = \"svc\"\nobjective = 99\n[slo.indicator]\nkind = \"latency\"\n\
                 histogram = \"h_bucket\"\nthreshold = 0.1\n",
            ),
            "slo.toml:17: slo `b`: `histogram` is the family name without `_bucket`",
        ),
        (
            with_slo(
                "name = \"b\"\nservice = \"svc\"\nobjective = 99\n[slo.indicator]\nkind = \"latency\"\n\
                 histogram = \"h\"\nselector = '{route=\"/q\",le=\"0.1\"}'\nthreshold = 0.1\n",
            ),
            "slo.toml:18: slo `b`: `selector` \"{route=\\\"/q\\\",le=\\\"0.1\\\"}\": \
             `le` is set by the indicator, not the selector",
        ),
        (
            with_slo(
                "name = \"b\"\nservice = \"svc\"\nobjective = 99\n[slo.indicator]\nkind = \"latency\"\n\
                 histogram = \"h\"\nselector = 'route=\"/q\"'\nthreshold = 0.1\n",
            ),
            "slo.toml:18: slo `b`: `selector` \"route=\\\"/q\\\"\": \
             label matchers only, in braces (the metric comes from `histogram`)",
        ),
        (
            with_slo(
                "name = \"b\"\nservice = \"svc\"\nobjective = 99\n[slo.indicator]\nkind = \"latency\"\n\
                 histogram = \"h\"\nthreshold = -1\n",
            ),
            "slo.toml:18: slo `b`: `threshold` must be a positive number of seconds, not -1",
        ),
        (
            with_slo("name = \"b\"\nservice = \"svc\"\nobjective = 99\n"),
            "slo.toml:11: slo `b`: missing `indicator`",
        ),
        (
            format!("[policy]\npage = [{{ long = \"5m\", short = \"1h\", factor = 14.4 }}]\n{MINIMAL}"),
            "slo.toml:2: `page` window pair: the short window (1h) must be shorter than the long one (5m)",
        ),
        (
            format!("[policy]\nticket = [{{ long = \"3d\", short = \"3d\", factor = 1 }}]\n{MINIMAL}"),
            "slo.toml:2: `ticket` window pair: the short window (3d) must be shorter than the long one (3d)",
        ),
        (
            format!("[policy]\nperiod = \"2d\"\n{MINIMAL}"),
            "slo.toml:2: the period (2d) must be longer than every alert window (the longest is 3d)",
        ),
        (
            format!("[policy]\nperiod = \"30d\"\npaging = []\n{MINIMAL}"),
            "slo.toml:3: unknown key `paging` in [policy] (expected `period`, `page`, `ticket`)",
        ),
        (
            format!("[policy]\npage = [{{ long = \"1h\", short = \"5m\", factor = 0 }}]\n{MINIMAL}"),
            "slo.toml:2: `factor` must be a positive number, not 0",
        ),
        (
            format!("slos = 1\n{MINIMAL}"),
            "slo.toml:1: unknown key `slos` in the top level (expected `policy`, `slo`)",
        ),
        (
            "[slo]\nname = \"a\"\n".to_string(),
            "slo.toml:1: `slo` must be an array of tables: write `[[slo]]`, not `[slo]`",
        ),
        (
            "# nothing\n".to_string(),
            "slo.toml:1: no SLOs: add `[[slo]]` entries",
        ),
        (format!("{MINIMAL}kind = \"x\"\n"), "slo.toml:10: duplicate key"),
    ];
    for (text, want) in cases {
        assert_eq!(error_of(&text), want, "\n{text}");
    }
}

#[test]
fn error_display_without_line_or_slo() {
    let e = SloSet::load(std::path::Path::new("no/such/slo.toml")).unwrap_err();
    assert!(
        e.to_string().starts_with("no/such/slo.toml: cannot read: "),
        "{e}"
    );
    assert_eq!(e.line, None);
    assert_eq!(e.slo, None);
}

#[test]
fn rendered_rules_cover_every_slo_and_window() {
    let set = SloSet::embedded();
    let rules = render_rules(&set);
    assert_eq!(rules, render_rules(&set), "deterministic");
    for slo in &set.slos {
        let id = slo.sloth_id();
        for group in ["sli", "meta"] {
            assert!(
                rules.contains(&format!("  - name: 'sloth-slo-{group}-recordings-{id}'\n")),
                "{group} {id}"
            );
        }
        assert!(rules.contains(&format!("  - name: 'sloth-slo-alerts-{id}'\n")));
        assert_eq!(
            rules
                .matches(&format!("      - alert: '{}'\n", slo.alert_name()))
                .count(),
            2
        );
    }
    for w in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
        assert_eq!(
            rules
                .matches(&format!("      - record: 'slo:sli_error:ratio_rate{w}'\n"))
                .count(),
            4,
            "{w}"
        );
        assert_eq!(
            rules.matches(&format!("          sloth_window: '{w}'\n")).count(),
            4,
            "{w}"
        );
    }
    for name in [
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ] {
        assert_eq!(
            rules.matches(&format!("      - record: '{name}'\n")).count(),
            4,
            "{name}"
        );
    }
    assert_eq!(rules.matches("          severity: 'page'\n").count(), 4);
    assert_eq!(rules.matches("          severity: 'ticket'\n").count(), 4);
}

#[test]
fn rendered_rules_for_one_slo() {
    let mut set = SloSet::embedded();
    set.slos.truncate(1);
    let rules = render_rules(&set);
    let ids = r#"{sloth_id="mda-quotes-availability", sloth_service="mda", sloth_slo="quotes-availability"}"#;
    let five = format!(
        "      - record: 'slo:sli_error:ratio_rate5m'\n        expr: |\n          {}\n        labels:\n          \
         sloth_id: 'mda-quotes-availability'\n          sloth_service: 'mda'\n          \
         sloth_slo: 'quotes-availability'\n          sloth_window: '5m'\n",
        set.slos[0].error_ratio_promql(5 * MIN)
    );
    assert!(rules.contains(&five), "{rules}");
    let period = format!(
        "        expr: |\n          sum_over_time(slo:sli_error:ratio_rate5m{ids}[30d])\n          \
         / ignoring (sloth_window)\n          count_over_time(slo:sli_error:ratio_rate5m{ids}[30d])\n"
    );
    assert!(rules.contains(&period), "{rules}");
    assert!(
        rules.contains("        expr: |\n          vector(1 - 0.999)\n"),
        "{rules}"
    );
    assert!(
        rules.contains("        expr: |\n          vector(0.999)\n"),
        "{rules}"
    );
    assert!(
        rules.contains("        expr: |\n          vector(30)\n"),
        "{rules}"
    );
    let page = format!(
        "        expr: |\n          (\n              max(slo:sli_error:ratio_rate5m{ids} > (14.4 * (1 - 0.999))) without (sloth_window)\n              \
         and\n              max(slo:sli_error:ratio_rate1h{ids} > (14.4 * (1 - 0.999))) without (sloth_window)\n          )\n          \
         or\n          (\n              max(slo:sli_error:ratio_rate30m{ids} > (6 * (1 - 0.999))) without (sloth_window)\n              \
         and\n              max(slo:sli_error:ratio_rate6h{ids} > (6 * (1 - 0.999))) without (sloth_window)\n          )\n        \
         labels:\n          severity: 'page'\n          sloth_severity: 'page'\n"
    );
    assert!(rules.contains(&page), "{rules}");
    assert!(
        rules.contains(
            "          description: 'Quote requests answered without a server error. SLO mda-quotes-availability \
             (99.9% over 30d): error ratio above 14.4x the budget over both 1h and 5m (2% of the budget in 1h), \
             or 6x the budget over both 6h and 30m (5% of the budget in 6h).'\n"
        ),
        "{rules}"
    );
}

#[test]
fn yaml_scalars_escape_correctly() {
    assert_eq!(scalar("plain"), "'plain'");
    assert_eq!(scalar("it's"), "'it''s'");
    assert_eq!(
        scalar(r#"{route="/api/v1/quotes/{symbol}"} # not a comment: 'x'"#),
        r#"'{route="/api/v1/quotes/{symbol}"} # not a comment: ''x'''"#
    );
    assert_eq!(scalar("two\nlines\t\"q\" \\"), r#""two\nlines\t\"q\" \\""#);
    assert_eq!(scalar("bell\u{7}bom\u{feff}"), r#""bell\x07bom\ufeff""#);
    assert_eq!(scalar(""), "''");
    assert_eq!(block("a\n    b", 4), "|\n    a\n        b");
    assert_eq!(block("x{a=\"'#: {b}\"}", 2), "|\n  x{a=\"'#: {b}\"}");
    // What a literal block cannot carry verbatim falls back to a scalar.
    assert_eq!(block(" lead", 2), "' lead'");
    assert_eq!(block("a\n\nb", 2), r#""a\n\nb""#);
    assert_eq!(block("tab\there", 2), r#""tab\there""#);
}

#[test]
fn annotations_escape_template_actions() {
    let mut set = SloSet::parse(MINIMAL, "x").unwrap();
    set.slos[0].description = "Uses {{ $value }} and it's fine".into();
    let rules = render_rules(&set);
    assert!(
        rules.contains(r#"description: 'Uses {{ "{{" }} $value }} and it''s fine. SLO svc-a"#),
        "{rules}"
    );
}
