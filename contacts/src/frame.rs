//! Cuts the input into records before the CSV parser sees them, so that one bad line
//! costs one line: a quoted field left open would otherwise swallow the rest of the
//! file. Physical lines end at `\n`; a record is one line, or several while a quoted
//! field is open, tracked with the same states as the `csv` crate's parser (quotes
//! open only at a field's start, `""` inside quotes is a quote).
//!
//! A quoted field still open after [`MAX_RECORD_LINES`] lines or [`MAX_RECORD_BYTES`]
//! bytes, or at the end of the input, is taken as never closed: its first line is
//! refused and the lines after it are framed again. The caller may also give a
//! multi-line record back ([`Framer::reframe`]) when its fields show it was not meant
//! to span lines.

use std::collections::VecDeque;
use std::io::{BufRead, ErrorKind};

/// The longest physical line read, in bytes; a longer one is refused.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// The most lines one record (a quoted field with line breaks) may span.
pub const MAX_RECORD_LINES: usize = 100;
/// The most bytes one multi-line record may hold.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// One physical line: its number and its bytes without the `\n` (nor a `\r` before it).
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the input.
    pub number: u64,
    /// The line's bytes.
    pub bytes: Vec<u8>,
}

/// What the framer hands out.
#[derive(Debug)]
pub enum Framed {
    /// A complete record: its lines (more than one only for a quoted line break).
    Record(Vec<Line>),
    /// A quoted field opened on this line never closed.
    Unterminated(u64),
    /// A line longer than [`MAX_LINE_BYTES`].
    TooLong(u64),
}

/// Where the scanner is within a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: either its end or the first half of `""`.
    ClosingQuote,
}

impl Scan {
    fn scan(mut self, bytes: &[u8]) -> Scan {
        for &b in bytes {
            self = match (self, b) {
                (Scan::FieldStart, b'"') => Scan::Quoted,
                (Scan::FieldStart | Scan::Unquoted | Scan::ClosingQuote, b',') => Scan::FieldStart,
                (Scan::FieldStart | Scan::Unquoted, _) => Scan::Unquoted,
                (Scan::Quoted, b'"') => Scan::ClosingQuote,
                (Scan::Quoted, _) => Scan::Quoted,
                (Scan::ClosingQuote, b'"') => Scan::Quoted,
                (Scan::ClosingQuote, _) => Scan::Unquoted,
            };
        }
        self
    }

    /// The state after the line break that ends a line: a record ends unless a quoted
    /// field is open.
    fn at_line_end(self) -> Scan {
        if self == Scan::Quoted {
            Scan::Quoted
        } else {
            Scan::FieldStart
        }
    }
}

/// Physical lines from a reader, counting bytes.
pub struct Lines<R> {
    input: R,
    next_number: u64,
    /// Bytes consumed from the input so far.
    pub bytes_read: u64,
}

/// A physical line, or one too long to keep.
#[derive(Debug)]
enum Physical {
    Line(Line),
    TooLong(u64),
}

impl<R: BufRead> Lines<R> {
    /// Lines of `input`, numbered from 1.
    pub fn new(input: R) -> Self {
        Self {
            input,
            next_number: 1,
            bytes_read: 0,
        }
    }

    fn next(&mut self) -> std::io::Result<Option<Physical>> {
        let mut bytes = Vec::new();
        let mut too_long = false;
        let mut any = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            if !too_long {
                if bytes.len() + take > MAX_LINE_BYTES + 2 {
                    too_long = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&buf[..take]);
                }
            }
            self.input.consume(take);
            self.bytes_read += take as u64;
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        let number = self.next_number;
        self.next_number += 1;
        if too_long {
            return Ok(Some(Physical::TooLong(number)));
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        Ok(Some(Physical::Line(Line { number, bytes })))
    }
}

/// Records out of physical lines.
pub struct Framer<R> {
    lines: Lines<R>,
    /// Lines to frame before reading more: those given back after a record was found
    /// to be an unclosed quote.
    again: VecDeque<Physical>,
}

impl<R: BufRead> Framer<R> {
    /// Records of `input`.
    pub fn new(input: R) -> Self {
        Self {
            lines: Lines::new(input),
            again: VecDeque::new(),
        }
    }

    /// Bytes consumed from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read
    }

    fn next_line(&mut self) -> std::io::Result<Option<Physical>> {
        match self.again.pop_front() {
            Some(line) => Ok(Some(line)),
            None => self.lines.next(),
        }
    }

    /// The next record, skipping blank lines; None at the end of the input.
    pub fn next(&mut self) -> std::io::Result<Option<Framed>> {
        let first = loop {
            match self.next_line()? {
                None => return Ok(None),
                Some(Physical::TooLong(n)) => return Ok(Some(Framed::TooLong(n))),
                Some(Physical::Line(line)) if is_blank(&line.bytes) => continue,
                Some(Physical::Line(line)) => break line,
            }
        };
        let mut state = Scan::FieldStart.scan(&first.bytes).at_line_end();
        let mut bytes = first.bytes.len();
        let mut lines = vec![first];
        while state == Scan::Quoted {
            if lines.len() >= MAX_RECORD_LINES || bytes > MAX_RECORD_BYTES {
                return Ok(Some(Framed::Unterminated(self.reframe(lines))));
            }
            match self.next_line()? {
                Some(Physical::Line(line)) => {
                    state = state.scan(&line.bytes).at_line_end();
                    bytes += line.bytes.len() + 1;
                    lines.push(line);
                }
                // The open field ran into a line too long to keep: that line is refused
                // on its own after this one.
                Some(Physical::TooLong(n)) => {
                    self.again.push_front(Physical::TooLong(n));
                    return Ok(Some(Framed::Unterminated(self.reframe(lines))));
                }
                None => return Ok(Some(Framed::Unterminated(self.reframe(lines)))),
            }
        }
        Ok(Some(Framed::Record(lines)))
    }

    /// Gives back a multi-line record taken as a quote left open on its first line:
    /// the lines after the first are framed again. Returns the first line's number.
    pub fn reframe(&mut self, mut lines: Vec<Line>) -> u64 {
        let first = lines.remove(0);
        for line in lines.into_iter().rev() {
            self.again.push_front(Physical::Line(line));
        }
        first.number
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the framer makes of `input`: line numbers of each record, or the refusals.
    fn frame(input: &[u8]) -> Vec<String> {
        let mut framer = Framer::new(input);
        let mut out = Vec::new();
        while let Some(framed) = framer.next().unwrap() {
            out.push(match framed {
                Framed::Record(lines) => {
                    let numbers: Vec<String> = lines.iter().map(|l| l.number.to_string()).collect();
                    format!("record {}", numbers.join("+"))
                }
                Framed::Unterminated(n) => format!("unterminated {n}"),
                Framed::TooLong(n) => format!("too long {n}"),
            });
        }
        out
    }

    #[test]
    fn a_quoted_line_break_joins_lines_and_blank_lines_are_skipped() {
        assert_eq!(
            frame(b"h\r\na,\"x\r\ny\"\n\n  \nb,\"\"\"q\"\"\"\nc"),
            ["record 1", "record 2+3", "record 6", "record 7"]
        );
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_a_character() {
        assert_eq!(frame(b"a,5\" screen\nb,c\n"), ["record 1", "record 2"]);
    }

    #[test]
    fn an_unclosed_quote_refuses_its_line_and_frames_the_rest_again() {
        assert_eq!(
            frame(b"a\n\"b,c\nd\ne\n"),
            ["record 1", "unterminated 2", "record 3", "record 4"]
        );
        let many: Vec<u8> = std::iter::once(&b"\"open\n"[..])
            .chain(std::iter::repeat_n(&b"x\n"[..], MAX_RECORD_LINES + 5))
            .flatten()
            .copied()
            .collect();
        let framed = frame(&many);
        assert_eq!(framed[0], "unterminated 1");
        assert_eq!(framed.len(), MAX_RECORD_LINES + 6);
    }

    #[test]
    fn a_line_too_long_is_refused_alone() {
        let mut input = b"a\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        input.extend_from_slice(b"\nb\n");
        assert_eq!(frame(&input), ["record 1", "too long 2", "record 3"]);
    }
}
