//! Reader for the Prometheus text exposition format (0.0.4).
//!
//! The console computes SLIs from what this returns, so it must be right for
//! every valid document and account for every line. prometheus-parse 0.2 alone
//! is not: its line regex drops samples whose name holds `:` or whose label
//! values hold `{` or `}`, its label splitter cuts values at `,` and `=` and
//! keeps escapes, it types a histogram's `_sum` and `_count` as untyped, and it
//! skips lines it cannot read without a word.
//!
//! So this module splits each line into tokens itself (names, escaped label
//! values, value, timestamp), hands prometheus-parse a rewritten document in
//! which each sample's series is replaced by a safe token, restores the series
//! from that token, and reports every line that yields nothing. What
//! prometheus-parse cannot be made to do right (families, timestamps, HELP) is
//! done here; the items below say why. Quoted UTF-8 names and OpenMetrics
//! exemplars are not 0.0.4: such lines are reported, not guessed at.

use std::collections::{BTreeMap, HashMap};
use std::io;

use prometheus_parse::{Scrape, Value};
use serde::{Deserialize, Serialize};

/// Longest part of an unreadable line kept, in bytes: a megabyte of junk
/// should cost neither memory nor screen.
const EXCERPT_LEN: usize = 200;

/// Token separators of the format (not any Unicode space).
const BLANKS: [char; 2] = [' ', '\t'];

/// A parsed document. Serde (for recordings) keeps every field as parsed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exposition {
    /// Families in the order they first appear.
    pub families: Vec<Family>,
    /// Lines that yielded nothing, in line order.
    pub unreadable: Vec<UnreadableLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// One metric family: a `# TYPE` name and every sample that belongs to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Family {
    pub name: String,
    pub kind: MetricKind,
    /// HELP text with its escapes decoded.
    pub help: Option<String>,
    /// In document order; a histogram's `_bucket`, `_sum` and `_count` and a
    /// summary's quantiles, `_sum` and `_count` are all here.
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Full sample name, suffix included (`x_bucket`, `x_sum`, ...).
    pub name: String,
    /// Label values with their escapes decoded.
    pub labels: BTreeMap<String, String>,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnreadableLine {
    /// 1-based.
    pub line_no: usize,
    /// The line, cut to 200 bytes (marked with `…`).
    pub text: String,
    /// Cut likewise, as it may quote the line.
    pub reason: String,
}

/// One series of a histogram family, ready for latency SLIs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// The series' labels, without `le`.
    pub labels: BTreeMap<String, String>,
    /// Cumulative counts, sorted by upper bound.
    pub buckets: Vec<Bucket>,
    pub sum: Option<f64>,
    pub count: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub le: f64,
    pub count: f64,
}

impl Exposition {
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Samples named `name` whose labels equal every `(label, value)` pair;
    /// as in PromQL, an empty value matches an absent label.
    pub fn samples(&self, name: &str, matchers: &[(&str, &str)]) -> Vec<&Sample> {
        self.families
            .iter()
            .flat_map(|f| &f.samples)
            .filter(|s| s.name == name && matchers.iter().all(|(k, v)| s.label(k) == *v))
            .collect()
    }
}

impl Family {
    /// The family's series with buckets, `_sum` and `_count` put together;
    /// empty unless the family is a histogram.
    pub fn histograms(&self) -> Vec<Histogram> {
        let mut series: Vec<Histogram> = Vec::new();
        if self.kind != MetricKind::Histogram {
            return series;
        }
        for sample in &self.samples {
            let mut labels = sample.labels.clone();
            let le = labels.remove("le");
            let at = match series.iter().position(|h| h.labels == labels) {
                Some(at) => at,
                None => {
                    series.push(Histogram {
                        labels,
                        ..Histogram::default()
                    });
                    series.len() - 1
                }
            };
            let h = &mut series[at];
            match sample.name.strip_prefix(self.name.as_str()) {
                Some("_sum") => h.sum = Some(sample.value),
                Some("_count") => h.count = Some(sample.value),
                // `parse` only admits buckets whose `le` reads.
                _ => {
                    if let Some(le) = le.as_deref().and_then(parse_bound) {
                        h.buckets.push(Bucket {
                            le,
                            count: sample.value,
                        });
                    }
                }
            }
        }
        for h in &mut series {
            h.buckets.sort_by(|a, b| a.le.total_cmp(&b.le));
        }
        series
    }
}

impl Sample {
    /// The label's value, `""` when absent (the two mean the same in Prometheus).
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }
}

impl UnreadableLine {
    fn new(line_no: usize, raw: &[u8], reason: &str) -> Self {
        UnreadableLine {
            line_no,
            text: cut(raw),
            reason: cut(reason.as_bytes()),
        }
    }
}

/// The first [`EXCERPT_LEN`] bytes, marked with `…` when cut.
fn cut(raw: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(&raw[..raw.len().min(EXCERPT_LEN)]).into_owned();
    if raw.len() > EXCERPT_LEN {
        text.push('…');
    }
    text
}

/// Parses a document. Never panics; every line is either used or reported.
pub fn parse(text: &str) -> Exposition {
    parse_bytes(text.as_bytes())
}

/// Like [`parse`] for a raw body: a line that is not UTF-8 is reported rather
/// than read with replacement characters, which would alter label values.
pub fn parse_bytes(body: &[u8]) -> Exposition {
    let mut unreadable = Vec::new();
    let mut lexed = Vec::new();
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let read = std::str::from_utf8(raw)
            .map_err(|_| "not valid UTF-8".to_string())
            .and_then(|text| Ok(lex(text)?.map(|line| (text, line))));
        match read {
            Ok(Some((text, line))) => lexed.push(Lexed {
                line_no: i + 1,
                text,
                line,
            }),
            Ok(None) => {}
            Err(reason) => unreadable.push(UnreadableLine::new(i + 1, raw, &reason)),
        }
    }

    let values = parse_values(&lexed);
    let mut families = Families::default();
    for (Lexed { line_no, text, line }, value) in lexed.into_iter().zip(values) {
        if let Err(reason) = families.add(line, value) {
            unreadable.push(UnreadableLine::new(line_no, text.as_bytes(), &reason));
        }
    }
    unreadable.sort_by_key(|u| u.line_no);
    Exposition {
        families: families.list,
        unreadable,
    }
}

struct Lexed<'a> {
    line_no: usize,
    text: &'a str,
    line: Line<'a>,
}

enum Line<'a> {
    Help {
        name: &'a str,
        text: String,
    },
    Type {
        name: &'a str,
        kind: MetricKind,
    },
    Sample {
        name: &'a str,
        labels: BTreeMap<String, String>,
        value: &'a str,
        timestamp_ms: Option<i64>,
    },
}

/// Sample values, read by prometheus-parse from a rewritten document where
/// each sample line is `s<index> <value>`: a form its regex reads right, with
/// the index restoring the series. A sample it does not return had a value
/// it could not read.
fn parse_values(lexed: &[Lexed]) -> Vec<Option<f64>> {
    let rewritten = lexed.iter().enumerate().filter_map(|(i, l)| match &l.line {
        Line::Sample { value, .. } => Some(Ok::<_, io::Error>(format!("s{i} {value}"))),
        _ => None,
    });
    let mut values = vec![None; lexed.len()];
    // Our iterator yields no errors, so `parse` cannot fail.
    for sample in Scrape::parse(rewritten).map(|s| s.samples).unwrap_or_default() {
        let slot = sample
            .metric
            .strip_prefix('s')
            .and_then(|i| values.get_mut(i.parse::<usize>().ok()?));
        // No TYPE lines are passed, so every value comes back untyped.
        if let (Some(slot), Value::Untyped(v)) = (slot, sample.value) {
            *slot = Some(v);
        }
    }
    values
}

/// `le` and `quantile` bounds, read with the grammar prometheus-parse uses for
/// values (Rust's, which takes `NaN` and `±Inf`); it does not expose it.
fn parse_bound(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// Families as they build up. Done here because prometheus-parse knows
/// histogram buckets only and keeps one timestamp per histogram series.
#[derive(Default)]
struct Families {
    list: Vec<Family>,
    by_name: HashMap<String, usize>,
    /// Whether a TYPE line was seen, per family.
    typed: Vec<bool>,
}

impl Families {
    fn add(&mut self, line: Line, value: Option<f64>) -> Result<(), String> {
        match line {
            Line::Help { name, text } => {
                let at = self.named(name);
                let family = &mut self.list[at];
                if family.help.is_some() {
                    return Err(format!("second HELP line for {name}"));
                }
                family.help = Some(text);
            }
            Line::Type { name, kind } => {
                let at = self.named(name);
                if self.typed[at] {
                    return Err(format!("second TYPE line for {name}"));
                }
                if !self.list[at].samples.is_empty() {
                    return Err(format!("TYPE line after samples of {name}"));
                }
                self.typed[at] = true;
                self.list[at].kind = kind;
            }
            Line::Sample {
                name,
                labels,
                value: token,
                timestamp_ms,
            } => {
                let value = value.ok_or_else(|| format!("invalid value `{token}`"))?;
                let at = self.owner(name);
                let family = &mut self.list[at];
                check_placement(family, name, &labels)?;
                family.samples.push(Sample {
                    name: name.to_string(),
                    labels,
                    value,
                    timestamp_ms,
                });
            }
        }
        Ok(())
    }

    fn named(&mut self, name: &str) -> usize {
        if let Some(&at) = self.by_name.get(name) {
            return at;
        }
        self.list.push(Family {
            name: name.to_string(),
            kind: MetricKind::Untyped,
            help: None,
            samples: Vec::new(),
        });
        self.typed.push(false);
        self.by_name.insert(name.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }

    /// The family a sample belongs to, resolved as the Go reference parser
    /// does: its own name first, then a histogram or summary it is a suffix of.
    fn owner(&mut self, name: &str) -> usize {
        if let Some(&at) = self.by_name.get(name) {
            return at;
        }
        for suffix in ["_bucket", "_sum", "_count"] {
            let base = name.strip_suffix(suffix).and_then(|base| self.by_name.get(base));
            if let Some(&at) = base {
                let kind = self.list[at].kind;
                if kind == MetricKind::Histogram || (kind == MetricKind::Summary && suffix != "_bucket") {
                    return at;
                }
            }
        }
        self.named(name)
    }
}

/// A bucket without a readable `le`, a quantile without a readable
/// `quantile`, or a histogram sample with no suffix has no place in its family.
fn check_placement(family: &Family, name: &str, labels: &BTreeMap<String, String>) -> Result<(), String> {
    let bound = match (family.kind, name.strip_prefix(family.name.as_str())) {
        (MetricKind::Histogram, Some("_bucket")) => "le",
        (MetricKind::Summary, Some("")) => "quantile",
        (MetricKind::Histogram, Some("")) => {
            return Err(format!("histogram {name} needs a _bucket, _sum or _count suffix"));
        }
        _ => return Ok(()),
    };
    match labels.get(bound).map(|v| parse_bound(v)) {
        Some(Some(_)) => Ok(()),
        Some(None) => Err(format!("invalid {bound} label in {name}")),
        None => Err(format!("{name} needs a {bound} label")),
    }
}

/// Reads one line into tokens; `None` for blank lines and plain comments.
fn lex(line: &str) -> Result<Option<Line<'_>>, String> {
    let line = line.trim_matches(BLANKS);
    if line.is_empty() {
        return Ok(None);
    }
    match line.strip_prefix('#') {
        Some(comment) => lex_comment(comment),
        None => lex_sample(line).map(Some),
    }
}

/// HELP and TYPE are read here: prometheus-parse's regexes for them refuse
/// names with `:` and empty HELP text and keep HELP escapes.
fn lex_comment(comment: &str) -> Result<Option<Line<'_>>, String> {
    let (keyword, rest) = next_token(comment.trim_start_matches(BLANKS));
    if keyword != "HELP" && keyword != "TYPE" {
        return Ok(None);
    }
    let (name, rest) = next_token(rest);
    if !is_metric_name(name) {
        return Err(format!("{keyword} line without a valid metric name"));
    }
    if keyword == "HELP" {
        let (text, _) = unescape(rest, None).unwrap_or_default();
        return Ok(Some(Line::Help { name, text }));
    }
    let kind = match rest {
        "counter" => MetricKind::Counter,
        "gauge" => MetricKind::Gauge,
        "histogram" => MetricKind::Histogram,
        "summary" => MetricKind::Summary,
        "untyped" => MetricKind::Untyped,
        "" => return Err("TYPE line without a type".to_string()),
        other => return Err(format!("unknown metric type `{other}`")),
    };
    Ok(Some(Line::Type { name, kind }))
}

/// `name{label="value",...} value [timestamp]`, with blanks allowed around
/// the braces, `=` and `,`, and a trailing comma, as Prometheus reads it.
fn lex_sample(line: &str) -> Result<Line<'_>, String> {
    let end = line.find(|c| !is_name_char(c)).unwrap_or(line.len());
    let (name, rest) = line.split_at(end);
    if !is_metric_name(name) {
        return Err(match name {
            "" => "expected a metric name".to_string(),
            _ => format!("invalid metric name `{name}`"),
        });
    }
    let after_blanks = rest.trim_start_matches(BLANKS);
    let (labels, rest) = match after_blanks.strip_prefix('{') {
        Some(inner) => lex_labels(inner)?,
        None if after_blanks.len() == rest.len() && !rest.is_empty() => {
            return Err(format!("invalid metric name `{}`", next_token(line).0));
        }
        None => (BTreeMap::new(), after_blanks),
    };
    let (value, rest) = next_token(rest.trim_start_matches(BLANKS));
    let (timestamp, extra) = next_token(rest);
    if value.is_empty() {
        return Err("missing value".to_string());
    }
    // prometheus-parse would split or trim at other spaces and read another number.
    if value.contains(char::is_whitespace) {
        return Err(format!("invalid value `{value}`"));
    }
    if !extra.is_empty() {
        return Err("unexpected text after the timestamp".to_string());
    }
    // prometheus-parse turns timestamps into chrono times and silently puts
    // the scrape time in place of any it cannot (chrono's range is narrower
    // than int64 milliseconds), so they are read here.
    let timestamp_ms = match timestamp {
        "" => None,
        ts => Some(ts.parse().map_err(|_| format!("invalid timestamp `{ts}`"))?),
    };
    Ok(Line::Sample {
        name,
        labels,
        value,
        timestamp_ms,
    })
}

/// Reads label pairs after `{` up to `}`; returns them and the rest of the line.
fn lex_labels(mut s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    loop {
        s = s.trim_start_matches(BLANKS);
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((labels, rest));
        }
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        let (name, rest) = s.split_at(end);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(match (name, s.chars().next()) {
                (_, None) => "unterminated label set".to_string(),
                ("", Some(c)) => format!("expected a label name, found `{c}`"),
                _ => format!("invalid label name `{name}`"),
            });
        }
        let rest = rest
            .trim_start_matches(BLANKS)
            .strip_prefix('=')
            .ok_or_else(|| format!("expected `=` after label {name}"))?;
        let rest = rest
            .trim_start_matches(BLANKS)
            .strip_prefix('"')
            .ok_or_else(|| format!("expected `\"` to open the value of label {name}"))?;
        let (value, used) =
            unescape(rest, Some('"')).ok_or_else(|| format!("unterminated value of label {name}"))?;
        if labels.insert(name.to_string(), value).is_some() {
            return Err(format!("duplicate label {name}"));
        }
        s = rest[used..].trim_start_matches(BLANKS);
        if let Some(rest) = s.strip_prefix(',') {
            s = rest;
        } else if !s.starts_with('}') {
            return Err(match s {
                "" => "unterminated label set".to_string(),
                _ => format!("expected `,` or `}}` after the value of label {name}"),
            });
        }
    }
}

/// Decodes `\\`, `\n` and, in label values, `\"`; other escapes stay as
/// written, as Prometheus keeps them. With `end`, stops after the first
/// unescaped `end` and returns the bytes used, or `None` if there is none.
fn unescape(s: &str, end: Option<char>) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        if Some(c) == end {
            return Some((out, i + c.len_utf8()));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push('\n'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, '"')) if end.is_some() => out.push('"'),
            Some((_, other)) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    end.is_none().then_some((out, s.len()))
}

/// First blank-separated token and the rest after its blanks.
fn next_token(s: &str) -> (&str, &str) {
    match s.split_once(BLANKS) {
        Some((token, rest)) => (token, rest.trim_start_matches(BLANKS)),
        None => (s, ""),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
fn is_metric_name(name: &str) -> bool {
    name.chars().all(is_name_char) && name.starts_with(|c: char| !c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sample(name: &str, pairs: &[(&str, &str)], value: f64, timestamp_ms: Option<i64>) -> Sample {
        Sample {
            name: name.to_string(),
            labels: labels(pairs),
            value,
            timestamp_ms,
        }
    }

    fn family(name: &str, kind: MetricKind, help: Option<&str>, samples: Vec<Sample>) -> Family {
        Family {
            name: name.to_string(),
            kind,
            help: help.map(str::to_string),
            samples,
        }
    }

    fn bad(line_no: usize, text: &str, reason: &str) -> UnreadableLine {
        UnreadableLine {
            line_no,
            text: text.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The single sample of a one-line document, checking nothing else came out.
    fn only_sample(line: &str) -> Sample {
        let exp = parse(line);
        assert_eq!(exp.unreadable, vec![], "{line}");
        assert_eq!(exp.families.len(), 1, "{line}");
        let family = &exp.families[0];
        assert_eq!(
            (family.kind, family.help.as_deref(), family.samples.len()),
            (MetricKind::Untyped, None, 1)
        );
        assert_eq!(family.name, family.samples[0].name);
        family.samples[0].clone()
    }

    #[test]
    fn lines_prometheus_parse_gets_wrong_are_read_exactly() {
        let cases = [
            (
                r#"a{route="/api/v1/quotes/{symbol}"} 5"#,
                "a",
                "/api/v1/quotes/{symbol}",
            ),
            (r#"a{route="x,y"} 5"#, "a", "x,y"),
            (r#"a{route="x=y"} 5"#, "a", "x=y"),
            (r#"a{route="x\"y"} 5"#, "a", r#"x"y"#),
            (r#"a{route="}{"} 5"#, "a", "}{"),
            (r#"slo:x{route="r"} 5"#, "slo:x", "r"),
        ];
        for (line, name, route) in cases {
            assert_eq!(
                only_sample(line),
                sample(name, &[("route", route)], 5.0, None),
                "{line}"
            );
        }
        assert_eq!(only_sample("slo:x 5"), sample("slo:x", &[], 5.0, None));
        assert_eq!(
            only_sample(r#":x:y_z{a="1",b="x,y=z",c="{}"} 5"#),
            sample(":x:y_z", &[("a", "1"), ("b", "x,y=z"), ("c", "{}")], 5.0, None)
        );
    }

    #[test]
    fn histogram_sum_and_count_belong_to_the_histogram() {
        let exp = parse(concat!(
            "# TYPE slo:latency_seconds histogram\n",
            "slo:latency_seconds_bucket{route=\"/q/{s}\",le=\"0.1\"} 7\n",
            "slo:latency_seconds_bucket{route=\"/q/{s}\",le=\"+Inf\"} 9\n",
            "slo:latency_seconds_bucket{route=\"/q/{s}\",le=\"0.05\"} 4\n",
            "slo:latency_seconds_sum{route=\"/q/{s}\"} 0.75\n",
            "slo:latency_seconds_count{route=\"/q/{s}\"} 9\n",
        ));
        let route = ("route", "/q/{s}");
        let expected = family(
            "slo:latency_seconds",
            MetricKind::Histogram,
            None,
            vec![
                sample("slo:latency_seconds_bucket", &[route, ("le", "0.1")], 7.0, None),
                sample("slo:latency_seconds_bucket", &[route, ("le", "+Inf")], 9.0, None),
                sample("slo:latency_seconds_bucket", &[route, ("le", "0.05")], 4.0, None),
                sample("slo:latency_seconds_sum", &[route], 0.75, None),
                sample("slo:latency_seconds_count", &[route], 9.0, None),
            ],
        );
        assert_eq!(
            exp,
            Exposition {
                families: vec![expected],
                unreadable: vec![]
            }
        );
        assert_eq!(
            exp.families[0].histograms(),
            vec![Histogram {
                labels: labels(&[route]),
                buckets: vec![
                    Bucket { le: 0.05, count: 4.0 },
                    Bucket { le: 0.1, count: 7.0 },
                    Bucket {
                        le: f64::INFINITY,
                        count: 9.0
                    },
                ],
                sum: Some(0.75),
                count: Some(9.0),
            }]
        );
    }

    #[test]
    fn summary_quantiles_sum_and_count_belong_to_the_summary() {
        let exp = parse(concat!(
            "# HELP rpc_seconds RPC latency.\n",
            "# TYPE rpc_seconds summary\n",
            "rpc_seconds{quantile=\"0.5\"} 0.01\n",
            "rpc_seconds{quantile=\"0.99\"} NaN\n",
            "rpc_seconds_sum 1.5e3\n",
            "rpc_seconds_count 2693\n",
        ));
        assert_eq!(exp.unreadable, vec![]);
        assert_eq!(exp.families.len(), 1);
        let f = &exp.families[0];
        assert_eq!(
            (f.name.as_str(), f.kind, f.help.as_deref()),
            ("rpc_seconds", MetricKind::Summary, Some("RPC latency."))
        );
        let names: Vec<_> = f
            .samples
            .iter()
            .map(|s| (s.name.as_str(), s.label("quantile")))
            .collect();
        assert_eq!(
            names,
            [
                ("rpc_seconds", "0.5"),
                ("rpc_seconds", "0.99"),
                ("rpc_seconds_sum", ""),
                ("rpc_seconds_count", "")
            ]
        );
        assert_eq!(f.samples[0].value, 0.01);
        assert!(f.samples[1].value.is_nan());
        assert_eq!((f.samples[2].value, f.samples[3].value), (1500.0, 2693.0));
        assert_eq!(f.histograms(), vec![]);
    }

    #[test]
    fn special_values_and_timestamps() {
        let cases = [
            ("a +Inf", f64::INFINITY, None),
            ("a -Inf", f64::NEG_INFINITY, None),
            ("a Inf", f64::INFINITY, None),
            ("a 1e3 1395066363000", 1000.0, Some(1395066363000)),
            ("a -0.5 -3982045", -0.5, Some(-3982045)),
            ("a .5 +7", 0.5, Some(7)),
            ("a 0 9223372036854775807", 0.0, Some(i64::MAX)),
            ("a 0 -9223372036854775808", 0.0, Some(i64::MIN)),
        ];
        for (line, value, ts) in cases {
            assert_eq!(only_sample(line), sample("a", &[], value, ts), "{line}");
        }
        for line in ["a NaN", "a nan 5"] {
            assert!(only_sample(line).value.is_nan(), "{line}");
        }
        assert_eq!(only_sample("a nan 5").timestamp_ms, Some(5));
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(
            only_sample(
                r#"a{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9"#
            ),
            sample(
                "a",
                &[
                    ("path", r"C:\DIR\FILE.TXT"),
                    ("error", "Cannot find file:\n\"FILE.TXT\"")
                ],
                1.458255915e9,
                None
            )
        );
        // Unknown escapes stay as written, as Prometheus keeps them.
        assert_eq!(
            only_sample(r#"a{x="tab\t"} 1"#),
            sample("a", &[("x", r"tab\t")], 1.0, None)
        );
        assert_eq!(
            only_sample(r#"a{x="ends with \\"} 1"#),
            sample("a", &[("x", r"ends with \")], 1.0, None)
        );
        let exp = parse("# HELP a Line one\\nline \\\\two \\\"q\\\" é\na 1\n");
        assert_eq!(
            exp.families[0].help.as_deref(),
            Some("Line one\nline \\two \\\"q\\\" é")
        );
    }

    #[test]
    fn blanks_braces_and_commas_as_prometheus_accepts_them() {
        let cases = [
            ("a{} 1", vec![]),
            (r#"a{b="c",} 1"#, vec![("b", "c")]),
            ("a { b = \"c\" ,\td=\"\" } 1", vec![("b", "c"), ("d", "")]),
            (r#"a{b="c"}1"#, vec![("b", "c")]),
            ("  \ta{b=\"c d\"}  1  \t", vec![("b", "c d")]),
            ("a{b=\"é{ü}\"} 1\r", vec![("b", "é{ü}")]),
        ];
        for (line, pairs) in cases {
            assert_eq!(only_sample(line), sample("a", &pairs, 1.0, None), "{line:?}");
        }
    }

    /// Escaping as exporters do it, for the round trip below.
    fn escape(value: &str) -> String {
        value
            .replace('\\', r"\\")
            .replace('"', "\\\"")
            .replace('\n', r"\n")
    }

    #[test]
    fn every_valid_label_value_round_trips() {
        let values = [
            "",
            " ",
            "{",
            "}",
            ",",
            "=",
            "\"",
            "\\",
            "\n",
            r"\n",
            "} 5",
            "a=\"b\",c",
            "#",
            "é✓",
            "/api/v1/quotes/{symbol}",
        ];
        let names = ["a", "slo:sli_error:ratio_rate5m", "_x", ":"];
        let mut text = String::new();
        let mut expected = Vec::new();
        for (i, x) in values.iter().enumerate() {
            for y in &values {
                let name = names[i % names.len()];
                text += &format!("{name}{{x=\"{}\",y=\"{}\"}} {i}\n", escape(x), escape(y));
                expected.push(sample(name, &[("x", x), ("y", y)], i as f64, None));
            }
        }
        let exp = parse(&text);
        assert_eq!(exp.unreadable, vec![]);
        let got: Vec<_> = exp.families.iter().flat_map(|f| f.samples.clone()).collect();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort_by_key(|s| names.iter().position(|n| *n == s.name));
        assert_eq!(got, expected_sorted);
    }

    const REALISTIC: &str = r#"# HELP mda_http_requests_total HTTP requests served, by route and status.
# TYPE mda_http_requests_total counter
mda_http_requests_total{method="GET",route="/api/v1/quotes/{symbol}",status="200"} 1027
mda_http_requests_total{method="GET",route="/api/v1/quotes/{symbol}",status="404"} 3
mda_http_requests_total{method="GET",route="/metrics",status="200"} 12

# HELP mda_http_request_duration_seconds HTTP request latency.
# TYPE mda_http_request_duration_seconds histogram
mda_http_request_duration_seconds_bucket{route="/api/v1/quotes/{symbol}",le="0.005"} 1000
mda_http_request_duration_seconds_bucket{route="/api/v1/quotes/{symbol}",le="0.1"} 1029
mda_http_request_duration_seconds_bucket{route="/api/v1/quotes/{symbol}",le="+Inf"} 1030
mda_http_request_duration_seconds_sum{route="/api/v1/quotes/{symbol}"} 0.5
mda_http_request_duration_seconds_count{route="/api/v1/quotes/{symbol}"} 1030
mda_http_request_duration_seconds_bucket{route="/metrics",le="0.005"} 12
mda_http_request_duration_seconds_bucket{route="/metrics",le="0.1"} 12
mda_http_request_duration_seconds_bucket{route="/metrics",le="+Inf"} 12
mda_http_request_duration_seconds_sum{route="/metrics"} 0.012
mda_http_request_duration_seconds_count{route="/metrics"} 12
# HELP mda_ws_clients Connected WebSocket clients.
# TYPE mda_ws_clients gauge
mda_ws_clients 2
# HELP mda_tick_latency_seconds Feed tick latency.
# TYPE mda_tick_latency_seconds summary
mda_tick_latency_seconds{source="sim",quantile="0.5"} 0.001
mda_tick_latency_seconds{source="sim",quantile="0.99"} 0.004
mda_tick_latency_seconds_sum{source="sim"} 12.5
mda_tick_latency_seconds_count{source="sim"} 10000
# A recording rule's result, as federation exposes it:
slo:sli_error:ratio_rate5m{sloth_id="mda-quotes",sloth_slo="quotes"} 0.0012 1700000000000
# HELP mda_build_info Build information.
mda_build_info{version="0.1.0"} 1
"#;

    #[test]
    fn realistic_exposition() {
        let exp = parse(REALISTIC);
        assert_eq!(exp.unreadable, vec![]);
        let shape: Vec<_> = exp
            .families
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.help.as_deref(), f.samples.len()))
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "mda_http_requests_total",
                    MetricKind::Counter,
                    Some("HTTP requests served, by route and status."),
                    3
                ),
                (
                    "mda_http_request_duration_seconds",
                    MetricKind::Histogram,
                    Some("HTTP request latency."),
                    10
                ),
                (
                    "mda_ws_clients",
                    MetricKind::Gauge,
                    Some("Connected WebSocket clients."),
                    1
                ),
                (
                    "mda_tick_latency_seconds",
                    MetricKind::Summary,
                    Some("Feed tick latency."),
                    4
                ),
                ("slo:sli_error:ratio_rate5m", MetricKind::Untyped, None, 1),
                (
                    "mda_build_info",
                    MetricKind::Untyped,
                    Some("Build information."),
                    1
                ),
            ]
        );
        let quotes = "/api/v1/quotes/{symbol}";
        assert_eq!(
            exp.samples("mda_http_requests_total", &[("route", quotes)]),
            [
                &sample(
                    "mda_http_requests_total",
                    &[("method", "GET"), ("route", quotes), ("status", "200")],
                    1027.0,
                    None
                ),
                &sample(
                    "mda_http_requests_total",
                    &[("method", "GET"), ("route", quotes), ("status", "404")],
                    3.0,
                    None
                ),
            ]
        );
        assert!(
            exp.samples(
                "mda_http_requests_total",
                &[("status", "404"), ("route", "/metrics")]
            )
            .is_empty()
        );
        // An empty matcher value matches an absent label, as in PromQL.
        assert_eq!(
            exp.samples("mda_ws_clients", &[("instance", "")])
                .iter()
                .map(|s| s.value)
                .collect::<Vec<_>>(),
            [2.0]
        );
        assert_eq!(
            exp.samples("slo:sli_error:ratio_rate5m", &[])
                .iter()
                .map(|s| s.timestamp_ms)
                .collect::<Vec<_>>(),
            [Some(1700000000000)]
        );
        let histograms = exp
            .family("mda_http_request_duration_seconds")
            .map(Family::histograms)
            .unwrap_or_default();
        assert_eq!(
            histograms,
            [
                Histogram {
                    labels: labels(&[("route", quotes)]),
                    buckets: vec![
                        Bucket {
                            le: 0.005,
                            count: 1000.0
                        },
                        Bucket {
                            le: 0.1,
                            count: 1029.0
                        },
                        Bucket {
                            le: f64::INFINITY,
                            count: 1030.0
                        },
                    ],
                    sum: Some(0.5),
                    count: Some(1030.0),
                },
                Histogram {
                    labels: labels(&[("route", "/metrics")]),
                    buckets: vec![
                        Bucket {
                            le: 0.005,
                            count: 12.0
                        },
                        Bucket { le: 0.1, count: 12.0 },
                        Bucket {
                            le: f64::INFINITY,
                            count: 12.0
                        },
                    ],
                    sum: Some(0.012),
                    count: Some(12.0),
                },
            ]
        );
        assert_eq!(exp.family("mda_nope"), None);
    }

    #[test]
    fn garbage_is_reported_and_the_rest_still_parses() {
        let huge = "x{".repeat(512 * 1024);
        let mut body = Vec::new();
        for line in [
            "ok 1",
            "\u{0}\u{1}\u{7f}junk",
            "a{b=\"c",
            "a{b=",
            "a{",
            "a{b=\"c\"",
            "}{",
            "a",
            "a{b=\"c\"}",
            "a 1.2.3",
            "a abc",
            "a 1 2 3",
            "a 1 1.5",
            "1a 5",
            "a-b 5",
            "a{1b=\"c\"} 5",
            "a{,} 5",
            "a{b=\"c\" d=\"e\"} 5",
            "a{b=\"c\",b=\"d\"} 5",
            "a{b=c} 5",
            "a{b} 5",
            "a 5\u{c}6",
            "a{b=\"c\"}} 5",
            "# TYPE a bogus",
            "# TYPE a counter extra",
            "# TYPE",
            "# TYPE b",
            "# HELP 1x y",
            huge.as_str(),
            "ok 2",
        ] {
            body.extend_from_slice(line.as_bytes());
            body.push(b'\n');
        }
        body.extend_from_slice(b"\xff\xfe binary {\x00\x80\n");
        body.extend_from_slice(b"ok 3");

        let exp = parse_bytes(&body);
        let ok = family(
            "ok",
            MetricKind::Untyped,
            None,
            vec![
                sample("ok", &[], 1.0, None),
                sample("ok", &[], 2.0, None),
                sample("ok", &[], 3.0, None),
            ],
        );
        assert_eq!(exp.families, vec![ok]);
        let reasons: Vec<_> = exp
            .unreadable
            .iter()
            .map(|u| (u.line_no, u.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (2, "expected a metric name"),
                (3, "unterminated value of label b"),
                (4, "expected `\"` to open the value of label b"),
                (5, "unterminated label set"),
                (6, "unterminated label set"),
                (7, "expected a metric name"),
                (8, "missing value"),
                (9, "missing value"),
                (10, "invalid value `1.2.3`"),
                (11, "invalid value `abc`"),
                (12, "unexpected text after the timestamp"),
                (13, "invalid timestamp `1.5`"),
                (14, "invalid metric name `1a`"),
                (15, "invalid metric name `a-b`"),
                (16, "invalid label name `1b`"),
                (17, "expected a label name, found `,`"),
                (18, "expected `,` or `}` after the value of label b"),
                (19, "duplicate label b"),
                (20, "expected `\"` to open the value of label b"),
                (21, "expected `=` after label b"),
                (22, "invalid value `5\u{c}6`"),
                (23, "invalid value `}`"),
                (24, "unknown metric type `bogus`"),
                (25, "unknown metric type `counter extra`"),
                (26, "TYPE line without a valid metric name"),
                (27, "TYPE line without a type"),
                (28, "HELP line without a valid metric name"),
                (29, "expected `=` after label x"),
                (31, "not valid UTF-8"),
            ]
        );
        let texts: Vec<_> = exp.unreadable.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(texts[..3], ["\u{0}\u{1}\u{7f}junk", "a{b=\"c", "a{b="]);
        assert_eq!(texts[27], format!("{}…", &huge[..200]));
        assert_eq!(texts[28], "\u{fffd}\u{fffd} binary {\u{0}\u{fffd}");
    }

    #[test]
    fn a_megabyte_label_value_is_read_whole() {
        let value = "v,}{=\"".repeat(1 << 18);
        let line = format!("a{{x=\"{}\"}} 1", escape(&value));
        assert!(line.len() > 1 << 20);
        assert_eq!(only_sample(&line), sample("a", &[("x", &value)], 1.0, None));
    }

    #[test]
    fn family_rules() {
        let exp = parse(concat!(
            "# TYPE h histogram\n",
            "# TYPE h histogram\n",
            "h 1\n",
            "h_bucket{le=\"x\"} 1\n",
            "h_bucket 1\n",
            "h_bucket{le=\"1\"} 1\n",
            "# TYPE h counter\n",
            "# HELP h first\n",
            "# HELP h second\n",
            "# TYPE s summary\n",
            "s 1\n",
            "s{quantile=\"high\"} 1\n",
            "s_bucket{le=\"1\"} 1\n",
            "u 1\n",
            "# TYPE u counter\n",
            "#TYPE g gauge\n",
            "# HELP e\n",
            "#\n",
            "# just a comment\n",
            "# HELPER not help\n",
        ));
        assert_eq!(
            exp.families,
            [
                family(
                    "h",
                    MetricKind::Histogram,
                    Some("first"),
                    vec![sample("h_bucket", &[("le", "1")], 1.0, None)]
                ),
                family("s", MetricKind::Summary, None, vec![]),
                family(
                    "s_bucket",
                    MetricKind::Untyped,
                    None,
                    vec![sample("s_bucket", &[("le", "1")], 1.0, None)]
                ),
                family("u", MetricKind::Untyped, None, vec![sample("u", &[], 1.0, None)]),
                family("g", MetricKind::Gauge, None, vec![]),
                family("e", MetricKind::Untyped, Some(""), vec![]),
            ]
        );
        assert_eq!(
            exp.unreadable,
            [
                bad(2, "# TYPE h histogram", "second TYPE line for h"),
                bad(3, "h 1", "histogram h needs a _bucket, _sum or _count suffix"),
                bad(4, "h_bucket{le=\"x\"} 1", "invalid le label in h_bucket"),
                bad(5, "h_bucket 1", "h_bucket needs a le label"),
                bad(7, "# TYPE h counter", "second TYPE line for h"),
                bad(9, "# HELP h second", "second HELP line for h"),
                bad(11, "s 1", "s needs a quantile label"),
                bad(12, "s{quantile=\"high\"} 1", "invalid quantile label in s"),
                bad(15, "# TYPE u counter", "TYPE line after samples of u"),
            ]
        );
    }

    /// Tiny deterministic generator, so the fuzz below needs no dependency.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn random_sample_lines_are_each_read_or_reported() {
        let alphabet: Vec<char> = "ab_:{}=,\"\\ \t1.5e+-Inf\u{0}é\r".chars().collect();
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            let mut text = String::new();
            let mut lines = 0;
            for _ in 0..(xorshift(&mut state) % 8) {
                let len = xorshift(&mut state) % 24;
                let line: String = (0..len)
                    .map(|_| alphabet[(xorshift(&mut state) % alphabet.len() as u64) as usize])
                    .collect();
                // Blank after the line break's `\r`; no `#` can start a comment.
                if !line
                    .strip_suffix('\r')
                    .unwrap_or(&line)
                    .trim_matches(BLANKS)
                    .is_empty()
                {
                    lines += 1;
                }
                text += &line;
                text.push('\n');
            }
            let exp = parse(&text);
            let samples: usize = exp.families.iter().map(|f| f.samples.len()).sum();
            assert_eq!(samples + exp.unreadable.len(), lines, "{text:?}");
        }
    }
}
