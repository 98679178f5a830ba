//! The batch threads: one reader sends chunks of rows, N scorers score them; the caller writes
//! the scored chunks in order.
//!
//! Memory stays bounded whatever the input size: the reader sends a chunk only once a "ticket"
//! is free, and the caller hands a ticket back when it has written a chunk, so at most
//! `2N + 2` chunks are read and not yet written at any time. Chunks may finish out of order;
//! their index puts them back in order.
//!
//! The threads are detached, not scoped: on a closed pipe or Ctrl-C the caller returns at once,
//! even while the reader waits on a slow standard input.

use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use herken_engine::codes;

use super::identifiers::Reservoir;
use super::input::{RawRow, Records};
use super::mapping::RowError;
use super::metrics::RowStats;
use super::output::{Echo, Results, Row};
use super::score::{Scored, Scorer, Scratch};
use crate::error::CliError;

/// Rows per chunk handed to a scoring thread.
pub const CHUNK_ROWS: usize = 512;

/// A chunk of rows, scored: their lines, one after another in input order, and per row what
/// the summary needs.
#[derive(Debug)]
pub struct Chunk {
    pub text: String,
    pub rows: Vec<Scored>,
}

/// What the threads report.
#[derive(Debug)]
pub enum Msg {
    /// Chunk `index`, scored.
    Chunk(u64, Chunk),
    /// Reading the input failed after `after_row`; nothing after it can be read.
    ReadError { after_row: u64, message: String },
    /// The reader is done: it sent this many chunks.
    End(u64),
}

/// The caller's ends of the running pipeline.
#[derive(Debug)]
pub struct Pipeline {
    pub results: Receiver<Msg>,
    tickets: Sender<()>,
}

impl Pipeline {
    /// Starts the reader and `workers` scoring threads. `first` holds rows already read (the
    /// identifier sample), `ended` whether the input ended while reading them. With a
    /// `sample`, the reader offers it every row it reads (`--check-identifiers` across the
    /// whole input).
    ///
    /// # Errors
    /// When a thread cannot be started.
    pub fn start(
        records: Records,
        first: Vec<RawRow>,
        ended: Option<Result<(), String>>,
        scorer: &Arc<Scorer>,
        workers: usize,
        sample: Option<Arc<Mutex<Reservoir>>>,
    ) -> Result<Self, CliError> {
        let in_flight = 2 * workers + 2;
        let (tickets, ticket_rx) = mpsc::channel::<()>();
        for _ in 0..in_flight {
            let _ = tickets.send(());
        }
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<RawRow>)>(in_flight);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, results) = mpsc::channel::<Msg>();
        let cannot = |e: std::io::Error| CliError::input(format!("cannot start a thread: {e}"));
        let reader_tx = done_tx.clone();
        std::thread::Builder::new()
            .name("herken-read".into())
            .spawn(move || {
                read_chunks(
                    records,
                    first,
                    ended,
                    (&ticket_rx, &work_tx, &reader_tx),
                    sample.as_deref(),
                );
            })
            .map_err(cannot)?;
        for n in 0..workers {
            let (rx, tx, scorer) = (Arc::clone(&work_rx), done_tx.clone(), Arc::clone(scorer));
            std::thread::Builder::new()
                .name(format!("herken-score-{n}"))
                .spawn(move || score_chunks(&rx, &tx, &scorer))
                .map_err(cannot)?;
        }
        Ok(Self { results, tickets })
    }

    /// A chunk is written: the reader may read another.
    pub fn written(&self) {
        let _ = self.tickets.send(());
    }
}

/// The channels the reader uses: tickets in, chunks out, messages out.
type ReaderEnds<'a> = (
    &'a Receiver<()>,
    &'a SyncSender<(u64, Vec<RawRow>)>,
    &'a Sender<Msg>,
);

/// The reader thread: chunks of rows, each sent once a ticket is free.
fn read_chunks(
    mut records: Records,
    mut chunk: Vec<RawRow>,
    mut ended: Option<Result<(), String>>,
    (tickets, work, done): ReaderEnds<'_>,
    sample: Option<&Mutex<Reservoir>>,
) {
    let mut index = 0u64;
    let mut last_row = 0u64;
    // The rows handed in were offered to the sample by the caller.
    let mut offered = chunk.len();
    loop {
        if ended.is_none() {
            ended = records.read_up_to(CHUNK_ROWS, &mut chunk);
        }
        if let Some(Ok(mut reservoir)) = sample.map(Mutex::lock) {
            for r in chunk.iter().skip(offered) {
                if reservoir.wants() {
                    reservoir.offer(&r.data);
                }
            }
        }
        offered = 0;
        if let Some(r) = chunk.last() {
            last_row = r.row;
            if tickets.recv().is_err() || work.send((index, std::mem::take(&mut chunk))).is_err() {
                return;
            }
            index += 1;
        }
        if ended.is_some() {
            break;
        }
    }
    if let Some(Err(message)) = ended {
        let _ = done.send(Msg::ReadError {
            after_row: last_row,
            message,
        });
    }
    let _ = done.send(Msg::End(index));
}

/// A scoring thread: takes chunks until the reader is done.
fn score_chunks(work: &Mutex<Receiver<(u64, Vec<RawRow>)>>, done: &Sender<Msg>, scorer: &Scorer) {
    let mut scratch = scorer.scratch();
    // The largest chunk's text so far: room for the next one at once.
    let mut room = 0;
    loop {
        let job = match work.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((index, rows)) = job else { return };
        let mut text = String::with_capacity(room);
        let rows = rows
            .into_iter()
            .map(|raw| score_guarded(scorer, raw, &mut scratch, &mut text))
            .collect();
        room = room.max(text.len());
        if done.send(Msg::Chunk(index, Chunk { text, rows })).is_err() {
            return;
        }
    }
}

/// Scores a row, appending its line to `text`; should scoring ever panic, the row is still
/// written, with the reason (in place of whatever part of its line was written).
fn score_guarded(scorer: &Scorer, raw: RawRow, scratch: &mut Scratch, text: &mut String) -> Scored {
    let row = raw.row;
    let start = text.len();
    let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scorer.score(raw, scratch, &mut *text)
    }));
    match scored {
        Ok(scored) => scored,
        Err(_) => {
            text.truncate(start);
            let errors = [RowError {
                ruleset: None,
                code: codes::batch::INTERNAL_ERROR,
                field: String::new(),
                message: "scoring this row failed inside herken; please report it".into(),
            }];
            scorer.layout.write_row(
                text,
                &Row {
                    row,
                    id: None,
                    label: None,
                    results: Results::NONE,
                    errors: &errors,
                    echo: Echo::None,
                },
            );
            Scored {
                stats: RowStats {
                    row,
                    id: None,
                    failed: true,
                    label: None,
                    sets: vec![None; scorer.sets.len()],
                    unknown_keys: Vec::new(),
                    groups: vec![None; scorer.by.len()],
                },
                bad_label: None,
                answered: None,
            }
        }
    }
}
