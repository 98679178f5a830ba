//! Batch input: CSV (RFC 4180) or JSONL records, from a file or standard input, plain or
//! gzip-compressed, read one record at a time so memory stays bounded whatever the size.
//!
//! A broken record (a malformed CSV line, invalid UTF-8, an overlong line) becomes a row that
//! carries its reason: it never ends the run, and it never swallows the rows after it. In
//! particular a stray quote that would make an RFC 4180 reader take the rest of the file as one
//! field is caught: when a quoted field spans lines and the record then has the wrong number of
//! fields, only the first line is reported and the following lines are read again as rows.

use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use herken_engine::{Code, codes};

use crate::error::CliError;

/// Longest record accepted (a line, or the lines of one CSV record), in bytes.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// The most columns a CSV header may have (four times a spreadsheet's 16,384): more is refused
/// with a clear error rather than read slowly.
pub const MAX_COLUMNS: usize = 65_536;

const BUFFER: usize = 1 << 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Csv,
    Jsonl,
}

/// One input row as read, before it is mapped and scored.
#[derive(Debug)]
pub struct RawRow {
    /// 1-based data row number (the CSV header and blank lines do not count).
    pub row: u64,
    /// The physical line the row starts on.
    pub line: u64,
    pub data: RawData,
}

#[derive(Debug)]
pub enum RawData {
    /// A CSV record, one field per header column.
    Fields(Fields),
    /// A JSONL line, not yet parsed (workers parse it in parallel).
    Json(Vec<u8>),
    /// A record that could not be read, with the reason.
    Bad(RowProblem),
}

#[derive(Debug, Clone)]
pub struct RowProblem {
    pub code: Code,
    pub message: String,
}

/// The fields of a CSV record in one string (two allocations per row, not one per field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    text: String,
    /// The end of each field in `text`.
    ends: Vec<usize>,
}

impl Fields {
    /// A record of these cells (for tests).
    #[cfg(test)]
    pub(crate) fn of<'a>(cells: impl IntoIterator<Item = &'a str>) -> Self {
        let mut fields = Self::default();
        for cell in cells {
            fields.text.push_str(cell);
            fields.ends.push(fields.text.len());
        }
        fields
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).filter_map(|i| self.get(i))
    }
}

/// Counts the bytes taken from the file (compressed bytes for gzip), for the progress bar.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input, positioned after any byte-order mark.
pub struct Input {
    /// The file name for messages, or `<stdin>`.
    pub name: String,
    /// The file size in bytes, when known (the progress bar's length).
    pub size: Option<u64>,
    /// Bytes read so far from the file, compressed or not.
    pub bytes_read: Arc<AtomicU64>,
    pub format: InputFormat,
    reader: Box<dyn BufRead + Send>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Opens a file (or `-` for standard input), recognising gzip by its magic bytes, skipping a
/// UTF-8 byte-order mark, and choosing the format: `format` if given, else the extension
/// (`.csv`, `.jsonl`, `.ndjson`, `.json`, each optionally `.gz`), else the first byte.
pub fn open(spec: &str, format: Option<InputFormat>) -> Result<Input, CliError> {
    let (name, size, raw): (String, Option<u64>, Box<dyn Read + Send>) = if spec == "-" {
        ("<stdin>".to_owned(), None, Box::new(io::stdin()))
    } else {
        let path = Path::new(spec);
        if path.is_dir() {
            return Err(CliError::input(format!(
                "`{spec}` is a folder; give a CSV or JSONL file"
            )));
        }
        let file =
            File::open(path).map_err(|e| CliError::input(format!("cannot read `{spec}`: {e}")))?;
        let size = file.metadata().ok().map(|m| m.len());
        (spec.to_owned(), size, Box::new(file))
    };
    let format = format.or_else(|| format_from_name(spec));
    from_reader(name, size, raw, format)
}

/// An input from any reader (a front end's data in memory, for the Python package): `name`
/// names it in messages, `size` (when known) is the progress bar's length. gzip, a byte-order
/// mark and the format are recognised as by [`open`], without a file name to go by.
///
/// # Errors
/// When the first bytes cannot be read.
pub fn from_reader(
    name: String,
    size: Option<u64>,
    raw: Box<dyn Read + Send>,
    format: Option<InputFormat>,
) -> Result<Input, CliError> {
    let count = Arc::new(AtomicU64::new(0));
    let read_error = |e: io::Error| CliError::input(format!("cannot read `{name}`: {e}"));
    let mut buffered = BufReader::with_capacity(
        BUFFER,
        Counting {
            inner: raw,
            count: Arc::clone(&count),
        },
    );
    let gzip = buffered
        .fill_buf()
        .map_err(read_error)?
        .starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            BUFFER,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    let head = reader.fill_buf().map_err(read_error)?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let sniffed = if head[usize::from(bom) * 3..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b'{')
    {
        InputFormat::Jsonl
    } else {
        InputFormat::Csv
    };
    if bom {
        reader.consume(3);
    }
    let format = format.unwrap_or(sniffed);
    Ok(Input {
        name,
        size,
        bytes_read: count,
        format,
        reader,
    })
}

/// The format an extension implies, looking through a `.gz` suffix.
pub fn format_from_name(name: &str) -> Option<InputFormat> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".gz").unwrap_or(&lower);
    let ext = Path::new(stem).extension()?.to_str()?;
    match ext {
        "csv" | "txt" => Some(InputFormat::Csv),
        "jsonl" | "ndjson" | "json" => Some(InputFormat::Jsonl),
        _ => None,
    }
}

/// A physical line, without its line ending.
#[derive(Debug)]
struct Line {
    number: u64,
    bytes: Vec<u8>,
    /// Longer than [`MAX_RECORD_BYTES`]: `bytes` is empty and the rest was skipped.
    too_long: bool,
}

/// Physical lines of a reader, each at most [`MAX_RECORD_BYTES`] in memory.
struct Lines {
    reader: Box<dyn BufRead + Send>,
    number: u64,
}

impl Lines {
    fn next(&mut self) -> io::Result<Option<Line>> {
        let mut bytes = Vec::new();
        let mut too_long = false;
        let mut any = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let newline = buf.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(buf.len());
            if !too_long {
                if bytes.len() + take > MAX_RECORD_BYTES {
                    too_long = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&buf[..take]);
                }
            }
            self.reader.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                break;
            }
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        self.number += 1;
        Ok(Some(Line {
            number: self.number,
            bytes,
            too_long,
        }))
    }
}

/// Records of either format.
pub enum Records {
    Csv(CsvRecords),
    Jsonl(JsonlRecords),
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Records::Csv(_) => "Records::Csv",
            Records::Jsonl(_) => "Records::Jsonl",
        })
    }
}

impl Records {
    /// The next row, or `None` at the end of the input.
    ///
    /// # Errors
    /// A read error of the input itself (a truncated gzip stream, a failing disk): the rows
    /// before it are whole, the rest cannot be read.
    pub fn next_row(&mut self) -> io::Result<Option<RawRow>> {
        match self {
            Records::Csv(r) => r.next_row(),
            Records::Jsonl(r) => r.next_row(),
        }
    }
}

impl Records {
    /// Reads rows into `rows` until it holds `n`; `Some` when the input ended meanwhile
    /// (`Err` with the message when reading it failed).
    pub fn read_up_to(&mut self, n: usize, rows: &mut Vec<RawRow>) -> Option<Result<(), String>> {
        while rows.len() < n {
            match self.next_row() {
                Ok(Some(r)) => rows.push(r),
                Ok(None) => return Some(Ok(())),
                Err(e) => return Some(Err(e.to_string())),
            }
        }
        None
    }
}

/// Starts reading an input: for CSV reads the header row and returns it.
///
/// # Errors
/// An unreadable or malformed CSV header, or duplicate column names.
pub fn records(input: Input) -> Result<(Records, Option<Vec<String>>), CliError> {
    let name = input.name.clone();
    let mut lines = Lines {
        reader: input.reader,
        number: 0,
    };
    match input.format {
        InputFormat::Jsonl => Ok((Records::Jsonl(JsonlRecords { lines, row: 0 }), None)),
        InputFormat::Csv => {
            let header = read_header(&mut lines, &name)?;
            let records = CsvRecords {
                lines,
                pushed: VecDeque::new(),
                header: header.clone(),
                row: 0,
            };
            Ok((Records::Csv(records), Some(header)))
        }
    }
}

fn read_header(lines: &mut Lines, name: &str) -> Result<Vec<String>, CliError> {
    let read_error = |e: io::Error| CliError::input(format!("cannot read `{name}`: {e}"));
    let line = loop {
        match lines.next().map_err(read_error)? {
            None => {
                return Err(CliError::input(format!(
                    "`{name}` is empty: a CSV input starts with a header row of column names"
                )));
            }
            Some(l) if !l.too_long && l.bytes.iter().all(u8::is_ascii_whitespace) => {}
            Some(l) => break l,
        }
    };
    let at = format!("{name}:{}", line.number);
    if line.too_long {
        return Err(CliError::input(format!(
            "{at}: the header row is longer than {MAX_RECORD_BYTES} bytes"
        )));
    }
    let mut parser = RecordParser::default();
    match parser.feed(&line.bytes) {
        Ok(true) => {}
        Ok(false) => {
            return Err(CliError::input(format!(
                "{at}: the header row has a quoted name that is not closed"
            )));
        }
        Err(why) => return Err(CliError::input(format!("{at}: header row: {why}"))),
    }
    if parser.ends.len() > MAX_COLUMNS {
        return Err(CliError::input(format!(
            "{at}: the header row has {} columns; herken reads at most {MAX_COLUMNS} (split the table, or keep only the columns that answer questions)",
            parser.ends.len()
        )));
    }
    let mut header = Vec::with_capacity(parser.ends.len());
    let mut seen: HashSet<String> = HashSet::with_capacity(parser.ends.len());
    let mut start = 0;
    for (i, &end) in parser.ends.iter().enumerate() {
        let name = std::str::from_utf8(&parser.text[start..end]).map_err(|_| {
            CliError::input(format!(
                "{at}: column {} of the header is not valid UTF-8",
                i + 1
            ))
        })?;
        start = end;
        let name = name.trim().to_owned();
        if !name.is_empty() && !seen.insert(name.clone()) {
            return Err(CliError::input(format!(
                "{at}: column `{name}` appears twice in the header"
            )));
        }
        header.push(name);
    }
    Ok(header)
}

/// CSV records after the header.
pub struct CsvRecords {
    lines: Lines,
    /// Lines read ahead while looking for the end of a quoted field, to be read again.
    pushed: VecDeque<Line>,
    header: Vec<String>,
    row: u64,
}

fn bad(row: u64, line: u64, code: Code, message: String) -> Option<RawRow> {
    Some(RawRow {
        row,
        line,
        data: RawData::Bad(RowProblem { code, message }),
    })
}

impl CsvRecords {
    fn next_line(&mut self) -> io::Result<Option<Line>> {
        match self.pushed.pop_front() {
            Some(line) => Ok(Some(line)),
            None => self.lines.next(),
        }
    }

    fn push_back(&mut self, lines: Vec<Line>) {
        for line in lines.into_iter().rev() {
            self.pushed.push_front(line);
        }
    }

    fn next_row(&mut self) -> io::Result<Option<RawRow>> {
        let first = loop {
            match self.next_line()? {
                None => return Ok(None),
                Some(l) if !l.too_long && l.bytes.is_empty() => {}
                Some(l) => break l,
            }
        };
        self.row += 1;
        let (row, line) = (self.row, first.number);
        if first.too_long {
            return Ok(bad(
                row,
                line,
                codes::batch::ROW_TOO_LONG,
                format!("line {line} is longer than {MAX_RECORD_BYTES} bytes"),
            ));
        }
        let width = self.header.len();
        let mut parser = RecordParser::default();
        let mut size = first.bytes.len();
        let mut extra: Vec<Line> = Vec::new();
        let mut complete = parser.feed(&first.bytes);
        loop {
            match complete {
                Ok(true) => break,
                Ok(false) => match self.next_line()? {
                    Some(next) if !next.too_long && size + next.bytes.len() < MAX_RECORD_BYTES => {
                        size += next.bytes.len() + 1;
                        parser.newline();
                        complete = parser.feed(&next.bytes);
                        extra.push(next);
                    }
                    other => {
                        let why = if other.is_none() {
                            "before the end of the input".to_owned()
                        } else {
                            format!("within {MAX_RECORD_BYTES} bytes")
                        };
                        extra.extend(other);
                        self.push_back(extra);
                        return Ok(bad(
                            row,
                            line,
                            codes::batch::MALFORMED_ROW,
                            format!(
                                "line {line}: a quoted field opened on this line is not closed {why}; the lines after it are read as rows again"
                            ),
                        ));
                    }
                },
                Err(why) => {
                    self.push_back(extra);
                    return Ok(bad(
                        row,
                        line,
                        codes::batch::MALFORMED_ROW,
                        format!("line {line}: {why}"),
                    ));
                }
            }
        }
        let n = parser.ends.len();
        if n != width && !extra.is_empty() {
            self.push_back(extra);
            return Ok(bad(
                row,
                line,
                codes::batch::MALFORMED_ROW,
                format!(
                    "line {line}: a quoted field opened on this line does not close where the row ends (read to its closing quote the row would have {n} fields, the header has {width}); the lines after it are read as rows again"
                ),
            ));
        }
        if n != width {
            return Ok(bad(
                row,
                line,
                codes::batch::MALFORMED_ROW,
                format!(
                    "line {line}: the row has {n} field{}, the header has {width}",
                    if n == 1 { "" } else { "s" }
                ),
            ));
        }
        let RecordParser { text, ends, .. } = parser;
        match String::from_utf8(text) {
            Ok(text) => Ok(Some(RawRow {
                row,
                line,
                data: RawData::Fields(Fields { text, ends }),
            })),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let i = ends.iter().position(|&end| end > at).unwrap_or(0);
                Ok(bad(
                    row,
                    line,
                    codes::batch::INVALID_UTF8,
                    format!(
                        "line {line}: column `{}` is not valid UTF-8",
                        self.header[i]
                    ),
                ))
            }
        }
    }
}

/// The reader inside is not `Debug`; the position is what a reader of a `Debug` line wants.
impl std::fmt::Debug for CsvRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRecords")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

/// JSONL records: one JSON object per non-blank line.
pub struct JsonlRecords {
    lines: Lines,
    row: u64,
}

impl std::fmt::Debug for JsonlRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonlRecords")
            .field("row", &self.row)
            .finish_non_exhaustive()
    }
}

impl JsonlRecords {
    fn next_row(&mut self) -> io::Result<Option<RawRow>> {
        loop {
            let Some(l) = self.lines.next()? else {
                return Ok(None);
            };
            if !l.too_long && l.bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.row += 1;
            if l.too_long {
                return Ok(bad(
                    self.row,
                    l.number,
                    codes::batch::ROW_TOO_LONG,
                    format!("line {} is longer than {MAX_RECORD_BYTES} bytes", l.number),
                ));
            }
            return Ok(Some(RawRow {
                row: self.row,
                line: l.number,
                data: RawData::Json(l.bytes),
            }));
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
enum State {
    #[default]
    Start,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// An RFC 4180 record parser fed one physical line at a time, so a quoted field spanning lines
/// costs time in proportion to its length. `,` separates, `"` quotes, `""` is a quote inside
/// quotes; a quote inside an unquoted field is kept as text; text after a closing quote is an
/// error. Fields go into one buffer, each ending at an offset in `ends`.
#[derive(Debug, Default)]
struct RecordParser {
    text: Vec<u8>,
    ends: Vec<usize>,
    state: State,
}

impl RecordParser {
    /// Feeds a line: `Ok(true)` when the record is complete, `Ok(false)` when it ends inside a
    /// quoted field (the record may continue on the next line).
    fn feed(&mut self, line: &[u8]) -> Result<bool, String> {
        let mut state = self.state;
        let mut i = 0;
        while i < line.len() {
            // Copy runs of plain text at once; only separators and quotes change state.
            if matches!(state, State::Unquoted | State::Quoted) {
                let stop = if matches!(state, State::Quoted) {
                    line[i..].iter().position(|&b| b == b'"')
                } else {
                    line[i..].iter().position(|&b| b == b',')
                };
                let run = stop.unwrap_or(line.len() - i);
                self.text.extend_from_slice(&line[i..i + run]);
                i += run;
                if i == line.len() {
                    break;
                }
            }
            let b = line[i];
            i += 1;
            state = match (state, b) {
                (State::Start, b'"') => State::Quoted,
                (State::Start | State::Unquoted | State::QuoteInQuoted, b',') => {
                    self.ends.push(self.text.len());
                    State::Start
                }
                (State::Start | State::Unquoted, _) => {
                    self.text.push(b);
                    State::Unquoted
                }
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) => {
                    self.text.push(b);
                    State::Quoted
                }
                (State::QuoteInQuoted, b'"') => {
                    self.text.push(b'"');
                    State::Quoted
                }
                (State::QuoteInQuoted, _) => {
                    return Err(format!(
                        "text after the closing quote of field {} (a quote inside a quoted field is written `\"\"`)",
                        self.ends.len() + 1
                    ));
                }
            };
        }
        self.state = state;
        if matches!(state, State::Quoted) {
            return Ok(false);
        }
        self.ends.push(self.text.len());
        self.state = State::Start;
        Ok(true)
    }

    /// The line break inside a quoted field that continues on the next line.
    fn newline(&mut self) {
        self.text.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<String> {
        let mut p = RecordParser::default();
        assert_eq!(p.feed(text.as_bytes()), Ok(true), "{text}");
        let fields = Fields {
            text: String::from_utf8(p.text).unwrap_or_default(),
            ends: p.ends,
        };
        fields.iter().map(str::to_owned).collect()
    }

    #[test]
    fn splits_rfc4180_records() {
        assert_eq!(fields("a,b,c"), ["a", "b", "c"]);
        assert_eq!(fields("a,,"), ["a", "", ""]);
        assert_eq!(
            fields(r#""a,1","say ""hi""",x"#),
            ["a,1", r#"say "hi""#, "x"]
        );
        assert_eq!(fields(r#"5" tall,b"#), [r#"5" tall"#, "b"]);
        assert_eq!(fields(""), [""]);
        let mut p = RecordParser::default();
        assert_eq!(p.feed(br#"a,"open"#), Ok(false));
        p.newline();
        assert_eq!(p.feed(br#"line","#), Ok(true));
        assert_eq!(
            (p.text.as_slice(), p.ends.as_slice()),
            (&b"aopen\nline"[..], &[1, 10, 10][..])
        );
        assert!(RecordParser::default().feed(br#""a"b,c"#).is_err());
    }

    fn rows(text: &[u8]) -> Vec<String> {
        let input = Input {
            name: "t".into(),
            size: None,
            bytes_read: Arc::default(),
            format: InputFormat::Csv,
            reader: Box::new(io::Cursor::new(text.to_vec())),
        };
        let (mut records, _) = records(input).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        while let Some(r) = records.next_row().unwrap_or_else(|e| panic!("{e}")) {
            out.push(match r.data {
                RawData::Fields(f) => {
                    format!(
                        "{}:{}:{}",
                        r.row,
                        r.line,
                        f.iter().collect::<Vec<_>>().join("|")
                    )
                }
                RawData::Bad(p) => format!("{}:{}:{}", r.row, r.line, p.code),
                RawData::Json(_) => unreachable!(),
            });
        }
        out
    }

    #[test]
    fn keeps_every_row_around_broken_quotes() {
        let text = b"a,b\r\n1,2\n\"3,4\n5,6\n\"7\nx\",8\n9,\"10\n";
        assert_eq!(
            rows(text),
            [
                "1:2:1|2",
                "2:3:batch::malformed-row",
                "3:4:5|6",
                "4:5:7\nx|8",
                "5:7:batch::malformed-row",
            ]
        );
    }

    #[test]
    fn reports_wrong_widths_and_invalid_utf8() {
        assert_eq!(
            rows(b"a,b\n1\n1,2,3\n\xff,2\n\n4,5"),
            [
                "1:2:batch::malformed-row",
                "2:3:batch::malformed-row",
                "3:4:batch::invalid-utf8",
                "4:6:4|5",
            ]
        );
    }

    #[test]
    fn formats_follow_the_extension_through_gz() {
        assert_eq!(format_from_name("x.csv.gz"), Some(InputFormat::Csv));
        assert_eq!(format_from_name("x.JSONL"), Some(InputFormat::Jsonl));
        assert_eq!(format_from_name("x"), None);
    }
}
