//! Colour escapes a 16-colour terminal understands. crossterm writes every
//! named colour as an xterm-256 index (`38;5;1` for red), which a terminal
//! with only the 16 ANSI colours may ignore or misread; the classic codes
//! (`31`, `91`, `41`, `101`) mean the same colours on every terminal.

use std::io::{self, Write};

use regex::bytes::{Captures, Regex};

/// Buffers a frame until `flush`, then writes it with every `38;5;n` and
/// `48;5;n` of `n` below 16 in its classic form, alone or inside a longer
/// SGR list (ratatui sets both colours in one `CSI 38;5;7;48;5;0 m`). A
/// frame is flushed whole, so no escape is ever split between two rewrites.
pub struct SgrWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    sgr: Regex,
}

impl<W: Write> SgrWriter<W> {
    pub fn new(inner: W) -> SgrWriter<W> {
        SgrWriter {
            inner,
            pending: Vec::new(),
            sgr: Regex::new(r"\x1b\[([0-9;]*)m").expect("a valid pattern"),
        }
    }
}

/// One SGR sequence with its 16 indexed colours in the classic codes.
fn classic(caps: &Captures) -> Vec<u8> {
    let Ok(params) = std::str::from_utf8(&caps[1]) else {
        return caps[0].to_vec();
    };
    let params: Vec<&str> = params.split(';').collect();
    let mut out: Vec<String> = Vec::with_capacity(params.len());
    let mut i = 0;
    while i < params.len() {
        let colour = match (params[i], params.get(i + 1), params.get(i + 2)) {
            (ground @ ("38" | "48"), Some(&"5"), Some(n)) => n.parse::<u16>().ok().map(|n| (ground, n)),
            _ => None,
        };
        match colour {
            Some((ground, n)) if n < 16 => {
                let base = match (ground, n < 8) {
                    ("38", true) => 30,
                    ("38", false) => 90 - 8,
                    (_, true) => 40,
                    (_, false) => 100 - 8,
                };
                out.push((base + n).to_string());
                i += 3;
            }
            Some(_) => {
                out.extend(params[i..i + 3].iter().map(|p| p.to_string()));
                i += 3;
            }
            None if matches!(params[i], "38" | "48") && params.get(i + 1) == Some(&"2") => {
                let end = (i + 5).min(params.len());
                out.extend(params[i..end].iter().map(|p| p.to_string()));
                i = end;
            }
            None => {
                out.push(params[i].to_string());
                i += 1;
            }
        }
    }
    format!("\x1b[{}m", out.join(";")).into_bytes()
}

impl<W: Write> Write for SgrWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let out = self.sgr.replace_all(&self.pending, classic);
            self.inner.write_all(&out)?;
            self.pending.clear();
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(input: &[u8]) -> String {
        let mut w = SgrWriter::new(Vec::new());
        w.write_all(input).unwrap();
        assert!(w.inner.is_empty(), "nothing goes out before the flush");
        w.flush().unwrap();
        String::from_utf8(w.inner).unwrap()
    }

    #[test]
    fn the_sixteen_colours_get_their_classic_codes() {
        assert_eq!(rewrite(b"\x1b[38;5;1mred"), "\x1b[31mred");
        assert_eq!(rewrite(b"\x1b[38;5;0m\x1b[38;5;7m"), "\x1b[30m\x1b[37m");
        assert_eq!(rewrite(b"\x1b[38;5;9m\x1b[38;5;15m"), "\x1b[91m\x1b[97m");
        assert_eq!(rewrite(b"\x1b[48;5;4m\x1b[48;5;12m"), "\x1b[44m\x1b[104m");
        // Inside a list, next to other attributes and colours.
        assert_eq!(rewrite(b"\x1b[38;5;7;48;5;0m"), "\x1b[37;40m");
        assert_eq!(rewrite(b"\x1b[1;38;5;200;48;5;9m"), "\x1b[1;38;5;200;101m");
        assert_eq!(rewrite(b"\x1b[38;2;1;5;3;48;5;3m"), "\x1b[38;2;1;5;3;43m");
    }

    #[test]
    fn everything_else_passes_unchanged() {
        for s in [
            "\x1b[38;5;16m",
            "\x1b[48;5;255m",
            "\x1b[38;2;1;2;3m",
            "\x1b[1m\x1b[39m\x1b[49m",
            "\x1b[38;5;999m",
            "plain ▶ text 38;5;1m",
        ] {
            assert_eq!(rewrite(s.as_bytes()), s);
        }
    }

    #[test]
    fn escapes_split_across_writes_are_rewritten_at_the_flush() {
        let mut w = SgrWriter::new(Vec::new());
        w.write_all(b"a\x1b[38;").unwrap();
        w.write_all(b"5;2mb").unwrap();
        w.flush().unwrap();
        assert_eq!(w.inner, b"a\x1b[32mb");
        // The buffer is empty after a flush.
        w.flush().unwrap();
        assert_eq!(w.inner, b"a\x1b[32mb");
    }
}
