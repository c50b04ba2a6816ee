//! The generated Prometheus SLO rules against the real `promtool` (Debian's
//! `prometheus` package, installed by `./.ci/run`): they load, the shipped
//! file is the generated one, the alerting behaviour of
//! config/prometheus/tests/slo_test.yml holds, and text with quotes, braces
//! and template delimiters survives the YAML and Prometheus' templating.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{root, run_tool, run_tool_ok};
use mdops::slo::{AlertPolicy, Indicator, Slo, SloSet, render_rules};

const SHIPPED_RULES: &str = "config/prometheus/rules/slo.rules.yml";
const REGENERATE: &str = "cargo run -- slo rules > config/prometheus/rules/slo.rules.yml";

fn promtool(dir: &Path, args: &[&str]) -> Output {
    run_tool("promtool", "prometheus", dir, args)
}

fn promtool_ok(dir: &Path, args: &[&str]) -> String {
    run_tool_ok("promtool", "prometheus", dir, args)
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mdops-slo-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn shipped_rules_file_is_the_generated_one() {
    let path = root().join(SHIPPED_RULES);
    let shipped = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{SHIPPED_RULES} cannot be read ({e}); generate it: {REGENERATE}"));
    let generated = render_rules(&SloSet::embedded());
    if shipped != generated {
        let line = shipped
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || shipped.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{SHIPPED_RULES} differs from the rules generated from config/slo.toml (first at line {line}):\n\
             shipped:   {:?}\ngenerated: {:?}\nRegenerate it: {REGENERATE}",
            shipped.lines().nth(line - 1).unwrap_or("<end of file>"),
            generated.lines().nth(line - 1).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn generated_rules_pass_promtool_check() {
    let dir = TempDir::new("check");
    let file = dir.0.join("slo.rules.yml");
    std::fs::write(&file, render_rules(&SloSet::embedded())).unwrap();
    let out = promtool_ok(&dir.0, &["check", "rules", "slo.rules.yml"]);
    // Per SLO: 7 window ratios + the period ratio, 7 metadata rules, 2 alerts.
    assert!(out.contains("SUCCESS: 68 rules found"), "{out}");
}

#[test]
fn alerting_scenarios_pass_promtool_unit_tests() {
    // config/prometheus/tests/slo_test.yml: a 1.5% error ratio (burn 15) for
    // 65 minutes pages and stops 10 minutes after the errors; a 0.15% ratio
    // (burn 1.5) for 10 hours opens a ticket and never pages; indicator
    // values, metadata, and no traffic recording nothing.
    let out = promtool_ok(root(), &["test", "rules", "config/prometheus/tests/slo_test.yml"]);
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
fn prometheus_config_is_valid() {
    let out = promtool_ok(root(), &["check", "config", "config/prometheus/prometheus.yml"]);
    // It loads every file of config/prometheus/rules/, the SLO rules among them.
    let files = std::fs::read_dir(root().join("config/prometheus/rules"))
        .unwrap()
        .count();
    assert!(
        out.contains(&format!("SUCCESS: {files} rule files found")),
        "{out}"
    );
    assert!(out.contains("SUCCESS: 68 rules found"), "{out}");
}

/// A YAML single-quoted scalar, for the hand-written test file below.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[test]
fn quotes_braces_and_template_delimiters_survive() {
    let selector = |metric: &str| format!(r#"{metric}{{path="/a/{{b}}",q="it's \"x\" \\ y"}}"#);
    let description = r#"It's "odd": {{ $value }} # not a comment, {b}"#;
    let slo = Slo {
        name: "odd".into(),
        service: "t".into(),
        description: description.into(),
        objective: 0.99,
        period: Duration::from_secs(30 * 86_400),
        indicator: Indicator::Ratio {
            errors: vec![selector("odd_errors_total")],
            total: vec![selector("odd_total")],
        },
    };
    let latency = Slo {
        name: "odd-latency".into(),
        indicator: Indicator::Latency {
            histogram: "odd_seconds".into(),
            selector: r#"{path="/a/{b}", q='single \' quote'}"#.into(),
            threshold: 0.25,
        },
        ..slo.clone()
    };
    let set = SloSet {
        slos: vec![slo, latency],
        policy: AlertPolicy::workbook(),
    };
    let dir = TempDir::new("odd");
    std::fs::write(dir.0.join("odd.rules.yml"), render_rules(&set)).unwrap();
    promtool_ok(&dir.0, &["check", "rules", "odd.rules.yml"]);

    // Half the requests fail from the start: every window burns at 50x, so
    // both the page and the ticket fire, and the annotations must come back
    // exactly as written, `{{ $value }}` included.
    let tail = "SLO t-odd (99% over 30d): error ratio above";
    let page = format!(
        "{description}. {tail} 14.4x the budget over both 1h and 5m (2% of the budget in 1h), \
         or 6x the budget over both 6h and 30m (5% of the budget in 6h)."
    );
    let ticket = format!(
        "{description}. {tail} 3x the budget over both 1d and 2h (10% of the budget in 1d), \
         or 1x the budget over both 3d and 6h (10% of the budget in 3d)."
    );
    let series_labels = r#"{path="/a/{b}",q="it's \"x\" \\ y"}"#;
    let latency_labels = r#"path="/a/{b}",q="single ' quote""#;
    let mut lines: Vec<String> = vec![
        "rule_files:".into(),
        "  - odd.rules.yml".into(),
        "evaluation_interval: 1m".into(),
        "tests:".into(),
        "  - interval: 1m".into(),
        "    input_series:".into(),
    ];
    for (series, per_minute) in [
        (format!("odd_errors_total{series_labels}"), 10),
        (format!("odd_total{series_labels}"), 20),
        (format!("odd_seconds_count{{{latency_labels}}}"), 60),
        (format!("odd_seconds_bucket{{{latency_labels},le=\"0.25\"}}"), 15),
    ] {
        lines.push(format!("      - series: {}", quoted(&series)));
        lines.push(format!("        values: '0+{per_minute}x10'"));
    }
    lines.extend([
        "    alert_rule_test:".into(),
        "      - eval_time: 5m".into(),
        "        alertname: TOddBudgetBurn".into(),
        "        exp_alerts:".into(),
    ]);
    for (severity, speed, description) in [("page", "fast", &page), ("ticket", "steadily", &ticket)] {
        lines.extend([
            "          - exp_labels:".into(),
            format!("              severity: {severity}"),
            format!("              sloth_severity: {severity}"),
            "              sloth_id: t-odd".into(),
            "              sloth_service: t".into(),
            "              sloth_slo: odd".into(),
            "            exp_annotations:".into(),
            format!(
                "              summary: {}",
                quoted(&format!("t odd: SLO error budget burning {speed} ({severity})"))
            ),
            format!("              description: {}", quoted(description)),
        ]);
    }
    lines.extend([
        "    promql_expr_test:".into(),
        "      - expr: slo:sli_error:ratio_rate5m".into(),
        "        eval_time: 5m".into(),
        "        exp_samples:".into(),
    ]);
    for (slo, value) in [("odd", "0.5"), ("odd-latency", "0.75")] {
        let labels = format!(
            r#"slo:sli_error:ratio_rate5m{{sloth_id="t-{slo}", sloth_service="t", sloth_slo="{slo}", sloth_window="5m"}}"#
        );
        lines.push(format!("          - labels: {}", quoted(&labels)));
        lines.push(format!("            value: {value}"));
    }
    let test = lines.join("\n") + "\n";
    std::fs::write(dir.0.join("odd_test.yml"), &test).unwrap();
    let output = promtool(&dir.0, &["test", "rules", "odd_test.yml"]);
    assert!(
        output.status.success(),
        "{}{}\n--- test file:\n{test}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
