//! Command output as the protocol carries it: bytes decoded as UTF-8 (invalid bytes become
//! U+FFFD), split into whole lines with Buildbot's newline rules (`\r\n`, a lone `\r` before
//! more text, backspace runs and some cursor escapes all end a line), long lines cut without
//! losing anything, and sent as `[text, [newline offsets], [times]]` triples.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// Buildbot's default `max_line_length`.
pub(crate) const MAX_LINE_LENGTH: usize = 4096;

/// Turns a stream of bytes into whole lines.
#[derive(Debug, Default)]
pub(crate) struct LineBuffer {
    undecoded: Vec<u8>,
    partial: String,
}

impl LineBuffer {
    /// Adds bytes; returns the lines they complete (each ending with `\n`).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> String {
        self.undecoded.extend_from_slice(bytes);
        let mut text = String::new();
        loop {
            match std::str::from_utf8(&self.undecoded) {
                Ok(valid) => {
                    text.push_str(valid);
                    self.undecoded.clear();
                    break;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    text.push_str(
                        std::str::from_utf8(&self.undecoded[..valid]).expect("valid prefix"),
                    );
                    if let Some(bad) = e.error_len() {
                        text.push('\u{fffd}');
                        self.undecoded.drain(..valid + bad);
                    } else {
                        // An incomplete character at the end: wait for the rest.
                        self.undecoded.drain(..valid);
                        break;
                    }
                }
            }
        }
        self.partial.push_str(&text);
        self.take_lines(false)
    }

    /// Ends the stream: the partial last line is flushed with an added `\n`.
    pub(crate) fn finish(&mut self) -> String {
        if !self.undecoded.is_empty() {
            self.partial
                .push_str(&String::from_utf8_lossy(&self.undecoded));
            self.undecoded.clear();
        }
        self.take_lines(true)
    }

    fn take_lines(&mut self, finishing: bool) -> String {
        let normalized = normalize_newlines(&self.partial, finishing);
        let (complete, rest) = match normalized.rfind('\n') {
            Some(i) => (normalized[..=i].to_owned(), normalized[i + 1..].to_owned()),
            None => (String::new(), normalized),
        };
        self.partial = rest;
        let mut out = split_long_lines(&complete);
        if finishing && !self.partial.is_empty() {
            let mut last = std::mem::take(&mut self.partial);
            last.push('\n');
            out.push_str(&split_long_lines(&last));
        }
        out
    }
}

/// Applies Buildbot's `newline_re`: `\r\n`, `\r` followed by more text, `ESC[u`,
/// `ESC[<n>;<n>H|f`, `ESC[2J` and runs of backspace become `\n`. A trailing `\r` is kept until
/// more text shows what it is (or the stream ends).
fn normalize_newlines(text: &str, finishing: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\r' if chars.get(i + 1) == Some(&'\n') => {
                out.push('\n');
                i += 2;
            }
            '\r' if i + 1 < chars.len() => {
                out.push('\n');
                i += 1;
            }
            '\r' => {
                if !finishing {
                    out.push('\r');
                }
                i += 1;
            }
            '\u{8}' => {
                out.push('\n');
                while chars.get(i) == Some(&'\u{8}') {
                    i += 1;
                }
            }
            '\u{1b}' if chars.get(i + 1) == Some(&'[') => {
                if let Some(len) = escape_len(&chars[i + 2..]) {
                    out.push('\n');
                    i += 2 + len;
                } else {
                    out.push('\u{1b}');
                    i += 1;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The length of a line-ending escape after `ESC[` (`u`, `2J`, `<n>;<n>H` or `f`).
fn escape_len(rest: &[char]) -> Option<usize> {
    if rest.first() == Some(&'u') {
        return Some(1);
    }
    if rest.starts_with(&['2', 'J']) {
        return Some(2);
    }
    let digits = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let a = digits(0);
    if a == 0 || rest.get(a) != Some(&';') {
        return None;
    }
    let b = digits(a + 1);
    if b == 0 {
        return None;
    }
    matches!(rest.get(a + 1 + b), Some('H' | 'f')).then_some(a + 2 + b)
}

/// Cuts lines longer than `MAX_LINE_LENGTH` into pieces of `MAX_LINE_LENGTH - 1` characters
/// plus `\n`, keeping every character.
fn split_long_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if body.chars().count() < MAX_LINE_LENGTH {
            out.push_str(line);
            continue;
        }
        let chars: Vec<char> = body.chars().collect();
        for piece in chars.chunks(MAX_LINE_LENGTH - 1) {
            out.extend(piece);
            out.push('\n');
        }
    }
    out
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The protocol's `[text, [newline offsets], [times]]` for whole lines.
pub(crate) fn triple(text: &str) -> Value {
    let t = now();
    let offsets: Vec<usize> = text
        .chars()
        .enumerate()
        .filter(|(_, c)| *c == '\n')
        .map(|(i, _)| i)
        .collect();
    let times: Vec<f64> = offsets.iter().map(|_| t).collect();
    json!([text, offsets, times])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_lines_wait_and_are_flushed_with_a_newline() {
        let mut buf = LineBuffer::default();
        assert_eq!(buf.push(b"a\nb"), "a\n");
        assert_eq!(buf.push(b"c\n"), "bc\n");
        assert_eq!(buf.push(b"no-newline"), "");
        assert_eq!(buf.finish(), "no-newline\n");
    }

    #[test]
    fn carriage_returns_and_progress_bars_become_lines() {
        let mut buf = LineBuffer::default();
        assert_eq!(
            buf.push(b"progress 1\rprogress 2\rprogress 3\r\n"),
            "progress 1\nprogress 2\nprogress 3\n"
        );
        assert_eq!(buf.push(b"x\r\ny\r"), "x\n");
        assert_eq!(buf.push(b"\n"), "y\n");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_split_characters_wait() {
        let mut buf = LineBuffer::default();
        assert_eq!(buf.push(b"bad \xff\n"), "bad \u{fffd}\n");
        assert_eq!(buf.push(&[0xc3]), "");
        assert_eq!(buf.push(&[0xa9, b'\n']), "\u{e9}\n");
    }

    #[test]
    fn long_lines_are_cut_without_loss() {
        let mut buf = LineBuffer::default();
        let line = "x".repeat(5000);
        let out = buf.push(format!("{line}\n").as_bytes());
        let pieces: Vec<&str> = out.lines().collect();
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces.concat(), line);
    }

    #[test]
    fn triples_index_newlines_by_character() {
        let t = triple("\u{e9}\nb\n");
        assert_eq!(t[0], "\u{e9}\nb\n");
        assert_eq!(t[1], json!([1, 3]));
    }
}
