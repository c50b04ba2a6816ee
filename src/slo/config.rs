//! Parsing and validation of SLO definition files (see config/slo.toml for
//! the format). The document is walked as toml's spanned tree rather than
//! through serde, so that every error, unknown keys and wrong types included,
//! names the line and the SLO it belongs to.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{AlertPolicy, Indicator, Slo, SloSet, WindowPair};
use crate::domain::selector::Selector;

/// A definitions file that cannot be used. Displays as
/// `origin:line: slo `name`: reason`; the line is left out when unknown
/// (unreadable file), the SLO when the problem is outside any SLO (syntax,
/// the policy). An SLO without a usable name is named by position (`#2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SloConfigError {
    pub origin: String,
    pub line: Option<usize>,
    pub slo: Option<String>,
    pub reason: String,
}

impl fmt::Display for SloConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(slo) = &self.slo {
            write!(f, ": slo `{slo}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for SloConfigError {}

type Table<'i> = DeTable<'i>;
type Value<'i> = Spanned<DeValue<'i>>;

/// Where errors point: the text (for line numbers), its name, and the SLO
/// being read.
struct Ctx<'a> {
    text: &'a str,
    origin: &'a str,
    slo: Option<String>,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, reason: impl Into<String>) -> SloConfigError {
        let at = span.start.min(self.text.len());
        let line = self.text.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        SloConfigError {
            origin: self.origin.to_string(),
            line: Some(line),
            slo: self.slo.clone(),
            reason: reason.into(),
        }
    }

    /// Rejects keys other than `allowed`, in the order they appear.
    fn known_keys(&self, table: &Table<'_>, allowed: &[&str], what: &str) -> Result<(), SloConfigError> {
        let mut unknown: Vec<_> = table
            .iter()
            .filter(|(k, _)| !allowed.contains(&k.get_ref().as_ref()))
            .collect();
        unknown.sort_by_key(|(k, _)| k.span().start);
        match unknown.first() {
            None => Ok(()),
            Some((key, _)) => {
                let expected = allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                Err(self.err(
                    key.span(),
                    format!("unknown key `{}` in {what} (expected {expected})", key.get_ref()),
                ))
            }
        }
    }

    fn string(&self, value: &Value<'_>, key: &str) -> Result<String, SloConfigError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            other => Err(self.err(
                value.span(),
                format!("`{key}` must be a string, not {}", other.type_str()),
            )),
        }
    }

    fn number(&self, value: &Value<'_>, key: &str) -> Result<f64, SloConfigError> {
        let bad = || self.err(value.span(), format!("`{key}` must be a number"));
        match value.get_ref() {
            DeValue::Float(f) => f.as_str().parse::<f64>().map_err(|_| bad()),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .map(|i| i as f64)
                .map_err(|_| bad()),
            other => Err(self.err(
                value.span(),
                format!("`{key}` must be a number, not {}", other.type_str()),
            )),
        }
    }

    fn duration(&self, value: &Value<'_>, key: &str) -> Result<Duration, SloConfigError> {
        let text = self.string(value, key)?;
        parse_duration(&text)
            .map_err(|reason| self.err(value.span(), format!("`{key}` = {text:?}: {reason}")))
    }

    /// A string or a list of strings.
    fn strings(&self, value: &Value<'_>, key: &str) -> Result<Vec<(String, Range<usize>)>, SloConfigError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(vec![(s.to_string(), value.span())]),
            DeValue::Array(items) => {
                let list = items
                    .iter()
                    .map(|item| self.string(item, key).map(|s| (s, item.span())))
                    .collect::<Result<Vec<_>, _>>()?;
                if list.is_empty() {
                    return Err(self.err(value.span(), format!("`{key}` is empty")));
                }
                Ok(list)
            }
            other => Err(self.err(
                value.span(),
                format!(
                    "`{key}` must be a string or a list of strings, not {}",
                    other.type_str()
                ),
            )),
        }
    }

    fn table<'t, 'i>(&self, value: &'t Value<'i>, key: &str) -> Result<&'t Table<'i>, SloConfigError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.err(
                value.span(),
                format!("`{key}` must be a table, not {}", other.type_str()),
            )),
        }
    }
}

fn get<'t, 'i>(table: &'t Table<'i>, key: &str) -> Option<&'t Value<'i>> {
    table.get(key)
}

pub(super) fn parse(text: &str, origin: &str) -> Result<SloSet, SloConfigError> {
    let mut ctx = Ctx {
        text,
        origin,
        slo: None,
    };
    let root = DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        ctx.err(span, e.message().to_string())
    })?;
    let root = root.get_ref();
    ctx.known_keys(root, &["policy", "slo"], "the top level")?;

    let policy = match get(root, "policy") {
        Some(value) => parse_policy(&ctx, value)?,
        None => AlertPolicy::workbook(),
    };

    let Some(list) = get(root, "slo") else {
        return Err(ctx.err(0..0, "no SLOs: add `[[slo]]` entries"));
    };
    let DeValue::Array(items) = list.get_ref() else {
        return Err(ctx.err(
            list.span(),
            "`slo` must be an array of tables: write `[[slo]]`, not `[slo]`",
        ));
    };
    if items.is_empty() {
        return Err(ctx.err(list.span(), "no SLOs: add `[[slo]]` entries"));
    }
    let mut slos: Vec<Slo> = Vec::with_capacity(items.len());
    let mut seen: HashSet<String> = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        ctx.slo = Some(format!("#{}", index + 1));
        let DeValue::Table(table) = item.get_ref() else {
            return Err(ctx.err(item.span(), "each `slo` entry must be a table"));
        };
        // Name the SLO in every error about it, once its name is known.
        if let Some(DeValue::String(name)) = get(table, "name").map(|v| v.get_ref())
            && is_slug(name)
        {
            ctx.slo = Some(name.to_string());
        }
        let slo = parse_slo(&ctx, item.span(), table, &policy)?;
        if !seen.insert(slo.name.clone()) {
            let span = get(table, "name").map_or(item.span(), |v| v.span());
            return Err(ctx.err(span, format!("duplicate SLO name `{}`", slo.name)));
        }
        slos.push(slo);
    }
    ctx.slo = None;
    Ok(SloSet { slos, policy })
}

fn parse_policy(ctx: &Ctx<'_>, value: &Value<'_>) -> Result<AlertPolicy, SloConfigError> {
    let table = ctx.table(value, "policy")?;
    ctx.known_keys(table, &["period", "page", "ticket"], "[policy]")?;
    let defaults = AlertPolicy::workbook();
    let period = match get(table, "period") {
        Some(v) => ctx.duration(v, "period")?,
        None => defaults.period,
    };
    let mut policy = AlertPolicy {
        period,
        page: defaults.page,
        ticket: defaults.ticket,
    };
    for (key, pairs) in [("page", &mut policy.page), ("ticket", &mut policy.ticket)] {
        let Some(value) = get(table, key) else { continue };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(ctx.err(
                value.span(),
                format!("`{key}` must be a list of {{ long, short, factor }} tables"),
            ));
        };
        *pairs = items
            .iter()
            .map(|item| parse_pair(ctx, item, key))
            .collect::<Result<_, _>>()?;
    }
    if policy.page.is_empty() && policy.ticket.is_empty() {
        return Err(ctx.err(
            value.span(),
            "[policy] has no window pairs: nothing could ever alert",
        ));
    }
    let period_span = get(table, "period").map_or(value.span(), |v| v.span());
    check_period(ctx, period_span, policy.period, &policy)?;
    Ok(policy)
}

fn parse_pair(ctx: &Ctx<'_>, item: &Value<'_>, key: &str) -> Result<WindowPair, SloConfigError> {
    let table = ctx.table(item, key)?;
    ctx.known_keys(
        table,
        &["long", "short", "factor"],
        &format!("a `{key}` window pair"),
    )?;
    let need = |name: &str| {
        get(table, name).ok_or_else(|| ctx.err(item.span(), format!("`{key}` window pair without `{name}`")))
    };
    let long = ctx.duration(need("long")?, "long")?;
    let short = ctx.duration(need("short")?, "short")?;
    let factor_value = need("factor")?;
    let factor = ctx.number(factor_value, "factor")?;
    if short >= long {
        return Err(ctx.err(
            item.span(),
            format!(
                "`{key}` window pair: the short window ({}) must be shorter than the long one ({})",
                super::format_window(short),
                super::format_window(long)
            ),
        ));
    }
    if !(factor.is_finite() && factor > 0.0) {
        return Err(ctx.err(
            factor_value.span(),
            format!("`factor` must be a positive number, not {factor}"),
        ));
    }
    Ok(WindowPair { long, short, factor })
}

fn parse_slo(
    ctx: &Ctx<'_>,
    header: Range<usize>,
    table: &Table<'_>,
    policy: &AlertPolicy,
) -> Result<Slo, SloConfigError> {
    ctx.known_keys(
        table,
        &[
            "name",
            "service",
            "description",
            "objective",
            "period",
            "indicator",
        ],
        "[[slo]]",
    )?;
    let need = |key: &str| get(table, key).ok_or_else(|| ctx.err(header.clone(), format!("missing `{key}`")));

    let slug = |key: &str| -> Result<String, SloConfigError> {
        let value = need(key)?;
        let text = ctx.string(value, key)?;
        if !is_slug(&text) {
            return Err(ctx.err(
                value.span(),
                format!("`{key}` = {text:?} must be a slug: lower-case letters, digits and single dashes"),
            ));
        }
        Ok(text)
    };
    let name = slug("name")?;
    let service = slug("service")?;

    let description = match get(table, "description") {
        // One line: it goes into alert annotations and table cells.
        Some(v) => ctx
            .string(v, "description")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        None => String::new(),
    };

    let objective_value = need("objective")?;
    let percent = ctx.number(objective_value, "objective")?;
    if !(percent > 0.0 && percent < 100.0) {
        return Err(ctx.err(
            objective_value.span(),
            format!("`objective` = {percent} is a percentage and must be strictly between 0 and 100"),
        ));
    }
    let objective = percent_to_fraction(percent);

    let period = match get(table, "period") {
        Some(v) => {
            let period = ctx.duration(v, "period")?;
            check_period(ctx, v.span(), period, policy)?;
            period
        }
        // The policy's period was checked with the policy.
        None => policy.period,
    };

    let indicator_value = need("indicator")?;
    let indicator = parse_indicator(ctx, indicator_value)?;

    Ok(Slo {
        name,
        service,
        description,
        objective,
        period,
        indicator,
    })
}

/// The period's ratio is recorded as `ratio_rate<period>` beside the window
/// ratios, and must cover more than any window to mean anything.
fn check_period(
    ctx: &Ctx<'_>,
    span: Range<usize>,
    period: Duration,
    policy: &AlertPolicy,
) -> Result<(), SloConfigError> {
    match policy.windows().last() {
        Some(&longest) if period <= longest => Err(ctx.err(
            span,
            format!(
                "the period ({}) must be longer than every alert window (the longest is {})",
                super::format_window(period),
                super::format_window(longest)
            ),
        )),
        _ => Ok(()),
    }
}

fn parse_indicator(ctx: &Ctx<'_>, value: &Value<'_>) -> Result<Indicator, SloConfigError> {
    let table = ctx.table(value, "indicator")?;
    let Some(kind_value) = get(table, "kind") else {
        return Err(ctx.err(
            value.span(),
            "[slo.indicator] without `kind` (\"ratio\" or \"latency\")",
        ));
    };
    let kind = ctx.string(kind_value, "kind")?;
    match kind.as_str() {
        "ratio" => {
            ctx.known_keys(table, &["kind", "errors", "total"], "a ratio indicator")?;
            let mut lists = Vec::new();
            for key in ["errors", "total"] {
                let value = get(table, key)
                    .ok_or_else(|| ctx.err(value.span(), format!("ratio indicator without `{key}`")))?;
                let mut list = Vec::new();
                for (text, span) in ctx.strings(value, key)? {
                    let parsed = Selector::parse(&text)
                        .map_err(|e| ctx.err(span.clone(), format!("`{key}` selector {text:?}: {e}")))?;
                    if parsed.metric_name().is_none() {
                        return Err(ctx.err(span, format!("`{key}` selector {text:?} names no metric")));
                    }
                    list.push(text.trim().to_string());
                }
                lists.push(list);
            }
            let total = lists.pop().unwrap_or_default();
            let errors = lists.pop().unwrap_or_default();
            Ok(Indicator::Ratio { errors, total })
        }
        "latency" => {
            ctx.known_keys(
                table,
                &["kind", "histogram", "selector", "threshold"],
                "a latency indicator",
            )?;
            let need = |key: &str| {
                get(table, key)
                    .ok_or_else(|| ctx.err(value.span(), format!("latency indicator without `{key}`")))
            };
            let histogram_value = need("histogram")?;
            let histogram = ctx.string(histogram_value, "histogram")?;
            if !is_metric_name(&histogram) {
                return Err(ctx.err(
                    histogram_value.span(),
                    format!("`histogram` = {histogram:?} is not a metric name"),
                ));
            }
            if let Some(suffix) = ["_bucket", "_count", "_sum"]
                .into_iter()
                .find(|s| histogram.ends_with(s))
            {
                return Err(ctx.err(
                    histogram_value.span(),
                    format!("`histogram` is the family name without `{suffix}`"),
                ));
            }
            let selector = match get(table, "selector") {
                Some(v) => {
                    let text = ctx.string(v, "selector")?.trim().to_string();
                    check_latency_selector(&text)
                        .map_err(|e| ctx.err(v.span(), format!("`selector` {text:?}: {e}")))?;
                    text
                }
                None => String::new(),
            };
            let threshold_value = need("threshold")?;
            let threshold = ctx.number(threshold_value, "threshold")?;
            if !(threshold.is_finite() && threshold > 0.0) {
                return Err(ctx.err(
                    threshold_value.span(),
                    format!("`threshold` must be a positive number of seconds, not {threshold}"),
                ));
            }
            Ok(Indicator::Latency {
                histogram,
                selector,
                threshold,
            })
        }
        other => Err(ctx.err(
            kind_value.span(),
            format!("unknown indicator kind `{other}` (expected `ratio` or `latency`)"),
        )),
    }
}

/// Label matchers only: `{...}` or nothing, without a metric name or `le`.
fn check_latency_selector(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Ok(());
    }
    if !text.starts_with('{') {
        return Err("label matchers only, in braces (the metric comes from `histogram`)".to_string());
    }
    // A placeholder name makes it a full selector for the syntax check.
    let parsed = Selector::parse(&format!("m{text}")).map_err(|e| e.to_string())?;
    if let Some(m) = parsed
        .matchers
        .iter()
        .find(|m| m.label == "le" || m.label == "__name__")
    {
        return Err(format!("`{}` is set by the indicator, not the selector", m.label));
    }
    Ok(())
}

/// A bare metric name, as a selector of nothing but that name.
fn is_metric_name(text: &str) -> bool {
    Selector::parse(text).is_ok_and(|s| s.name.as_deref() == Some(text) && s.matchers.is_empty())
}

/// Lower-case letters and digits in dash-separated words.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|word| {
            !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// 99.9 -> 0.999, the f64 nearest the decimal fraction (99.9 / 100 would
/// give 0.9990000000000001, which then shows in rules and on screen).
/// Objectives are taken to 10 decimal places of a percent.
fn percent_to_fraction(percent: f64) -> f64 {
    (percent * 1e10).round() / 1e12
}

/// A Prometheus duration: `1h`, `30d`, `1h30m`, `250ms`; units y (365d), w,
/// d, h, m, s, ms, largest first, each at most once; more than zero.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const UNITS: [(&str, u64); 7] = [
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("ms", 1),
        ("m", 60_000),
        ("s", 1_000),
    ];
    // Order in which units may appear (ms after s).
    let rank = |unit: &str| {
        ["y", "w", "d", "h", "m", "s", "ms"]
            .iter()
            .position(|u| *u == unit)
            .unwrap_or(0)
    };
    let bad = || "not a duration (Prometheus syntax: 5m, 1h, 3d, 1h30m)".to_string();
    if text.is_empty() {
        return Err(bad());
    }
    let mut rest = text;
    let mut total: u64 = 0;
    let mut last_rank: Option<usize> = None;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit, size) = UNITS.iter().find(|(u, _)| rest.starts_with(u)).ok_or_else(bad)?;
        rest = &rest[unit.len()..];
        let r = rank(unit);
        if last_rank.is_some_and(|last| r <= last) {
            return Err(format!(
                "{bad}: units must go from largest to smallest, once each",
                bad = bad()
            ));
        }
        last_rank = Some(r);
        total = number
            .checked_mul(*size)
            .and_then(|ms| total.checked_add(ms))
            .ok_or("too long".to_string())?;
    }
    if total == 0 {
        return Err("must be longer than zero".to_string());
    }
    Ok(Duration::from_millis(total))
}
