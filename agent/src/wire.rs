//! Hand-written JSON for `ticks` frames, the agent's hottest output: the
//! pipeline encodes every accepted tick once, at up to hundreds of thousands
//! of ticks per second, and remembers where each tick's text lies in the
//! frame, so a client subscribed to a few symbols gets a frame spliced from
//! those pieces instead of a second encoding.
//!
//! The text is byte-identical to serde_json's encoding of
//! `ServerFrame::Ticks` (the tests compare the two on many values), so
//! clients parse it with the same wire types. Prices and sizes that are whole
//! hundredths (nearly all of them) skip the general float formatter.

use std::fmt::Write as _;
use std::ops::Range;

use crate::api::Quote;

/// Typical encoded size of one quote, to size buffers once.
const QUOTE_BYTES: usize = 160;

/// Largest value written by the hundredths fast path; beyond it two
/// hundredths could share one `f64`, and float printing switches notation.
const FAST_MAX: f64 = 1e13;

/// Most ticks a new frame reserves room for; larger batches grow as they fill.
const MAX_RESERVED_TICKS: usize = 1024;

/// One `ticks` frame under construction.
pub(crate) struct FrameBuilder {
    text: String,
    /// Where each tick's object lies in `text`.
    spans: Vec<Range<usize>>,
}

impl FrameBuilder {
    pub fn new(seq: u64, expected_ticks: usize) -> FrameBuilder {
        let expected_ticks = expected_ticks.min(MAX_RESERVED_TICKS);
        let mut text = String::with_capacity(64 + expected_ticks * QUOTE_BYTES);
        header(&mut text, seq);
        FrameBuilder {
            text,
            spans: Vec::with_capacity(expected_ticks),
        }
    }

    pub fn push(&mut self, q: &Quote) {
        if !self.spans.is_empty() {
            self.text.push(',');
        }
        let start = self.text.len();
        quote(&mut self.text, q);
        self.spans.push(start..self.text.len());
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The frame's text and the span of each tick in it.
    pub fn finish(mut self) -> (String, Vec<Range<usize>>) {
        self.text.push_str("]}");
        (self.text, self.spans)
    }
}

fn header(out: &mut String, seq: u64) {
    out.push_str(r#"{"type":"ticks","seq":"#);
    write_int(out, seq);
    out.push_str(r#","ticks":["#);
}

/// A `ticks` frame with the chosen ticks of an encoded `frame` (by their
/// spans), or `None` if none is chosen.
pub(crate) fn splice<'a>(
    seq: u64,
    frame: &str,
    chosen: impl Iterator<Item = &'a Range<usize>>,
) -> Option<String> {
    let mut out = String::new();
    for span in chosen {
        let Some(tick) = frame.get(span.clone()) else {
            continue;
        };
        if out.is_empty() {
            out.reserve(64 + 4 * tick.len());
            header(&mut out, seq);
        } else {
            out.push(',');
        }
        out.push_str(tick);
    }
    if out.is_empty() {
        return None;
    }
    out.push_str("]}");
    Some(out)
}

/// One quote as JSON, as `GET /api/v1/quotes/{symbol}` answers it.
pub(crate) fn quote_json(q: &Quote) -> String {
    let mut out = String::with_capacity(QUOTE_BYTES);
    quote(&mut out, q);
    out
}

fn quote(out: &mut String, q: &Quote) {
    out.push_str(r#"{"symbol":"#);
    string(out, &q.symbol);
    out.push_str(r#","price":"#);
    float(out, q.price);
    out.push_str(r#","bid":"#);
    float(out, q.bid);
    out.push_str(r#","ask":"#);
    float(out, q.ask);
    out.push_str(r#","size":"#);
    float(out, q.size);
    out.push_str(r#","volume":"#);
    float(out, q.volume);
    out.push_str(r#","open":"#);
    float(out, q.open);
    out.push_str(r#","ts":"#);
    if q.ts < 0 {
        out.push('-');
    }
    write_int(out, q.ts.unsigned_abs());
    out.push_str(r#","source":"#);
    string(out, &q.source);
    out.push('}');
}

/// A JSON string; copied as is unless it needs escaping (never for valid
/// symbols, rarely for source names).
fn string(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        general(out, s);
    }
}

/// A JSON number as serde_json prints it: the shortest text that reads back
/// as the same `f64`, with `.0` on whole numbers. For a whole number of
/// hundredths that text is the plain decimal with at most two decimals.
fn float(out: &mut String, x: f64) {
    let hundredths = (x * 100.0).round();
    if x.is_sign_positive() && x < FAST_MAX && hundredths / 100.0 == x {
        let n = hundredths as u64;
        write_int(out, n / 100);
        out.push('.');
        let frac = n % 100;
        if frac == 0 {
            out.push('0');
        } else if frac.is_multiple_of(10) {
            write_int(out, frac / 10);
        } else {
            if frac < 10 {
                out.push('0');
            }
            write_int(out, frac);
        }
    } else {
        general(out, &x);
    }
}

fn write_int(out: &mut String, n: u64) {
    let _ = write!(out, "{n}");
}

/// Anything else, through serde_json itself.
fn general<T: serde::Serialize + ?Sized>(out: &mut String, value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => out.push_str(&text),
        Err(_) => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ServerFrame;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn quote_with(price: f64, volume: f64, source: &str) -> Quote {
        Quote {
            symbol: "BRK.B".into(),
            price,
            bid: price,
            ask: price,
            size: 100.0,
            volume,
            open: price,
            ts: 1_732_683_845_123,
            source: source.into(),
        }
    }

    fn encode(seq: u64, ticks: &[Quote]) -> String {
        let mut frame = FrameBuilder::new(seq, ticks.len());
        ticks.iter().for_each(|q| frame.push(q));
        assert_eq!(frame.len(), ticks.len());
        frame.finish().0
    }

    fn serde_text(seq: u64, ticks: &[Quote]) -> String {
        serde_json::to_string(&ServerFrame::Ticks {
            seq,
            ticks: ticks.to_vec(),
        })
        .unwrap()
    }

    #[test]
    fn matches_serde_json_on_chosen_values() {
        let values = [
            0.0,
            0.01,
            0.05,
            0.1,
            0.3,
            1.0,
            1.5,
            9.99,
            10.0,
            229.87,
            229.8,
            229.07,
            1051.22,
            123_456.0,
            1e7,
            1e12 + 0.01,
            9_999_999_999_999.99,
            1e13,
            1e15,
            1e16,
            1e21,
            1e22,
            0.001,
            1e-7,
            0.015,
            1.0 / 3.0,
            -0.0,
            -1.25,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
        ];
        let ticks: Vec<Quote> = values.iter().map(|&v| quote_with(v, v, "sim")).collect();
        assert_eq!(encode(7, &ticks), serde_text(7, &ticks));
        for q in &ticks {
            assert_eq!(quote_json(q), serde_json::to_string(q).unwrap());
        }
    }

    #[test]
    fn matches_serde_json_on_random_values() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut ticks = Vec::new();
        for _ in 0..20_000 {
            let cents: u64 = rng.random_range(0..2_000_000_000_000_000);
            let scale = 10f64.powi(rng.random_range(-3..4));
            let price = cents as f64 / 100.0 / scale;
            let volume = rng.random::<f64>() * 10f64.powi(rng.random_range(-5..20));
            ticks.push(quote_with(price, volume.round(), "sim"));
            ticks.push(quote_with(volume, price, "sim"));
        }
        for chunk in ticks.chunks(64) {
            assert_eq!(encode(u64::MAX, chunk), serde_text(u64::MAX, chunk));
        }
    }

    #[test]
    fn escapes_strings_like_serde_json() {
        let mut odd = quote_with(1.0, 1.0, "feed \"x\"\\\n\u{1}é");
        odd.ts = -5;
        let ticks = [odd, quote_with(2.0, 2.0, "")];
        assert_eq!(encode(0, &ticks), serde_text(0, &ticks));
        assert_eq!(encode(1, &[]), serde_text(1, &[]));
    }

    #[test]
    fn splices_chosen_ticks_into_a_frame() {
        let ticks: Vec<Quote> = (1..=4).map(|i| quote_with(f64::from(i), 1.0, "sim")).collect();
        let mut frame = FrameBuilder::new(9, 4);
        ticks.iter().for_each(|q| frame.push(q));
        let (text, spans) = frame.finish();
        let chosen = [&spans[1], &spans[3]];
        let spliced = splice(9, &text, chosen.into_iter()).unwrap();
        assert_eq!(spliced, serde_text(9, &[ticks[1].clone(), ticks[3].clone()]));
        assert_eq!(splice(9, &text, [].into_iter()), None);
    }
}
