//! The progress bar on stderr (indicatif): bytes of the input read, so the ETA holds for gzip
//! too, with rows and rows/s; only when stderr is a terminal.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// The bar, or nothing when stderr is not a terminal.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    bytes: Arc<AtomicU64>,
    start: Instant,
}

impl Progress {
    pub fn new(size: Option<u64>, bytes: Arc<AtomicU64>) -> Self {
        let bar = std::io::stderr()
            .is_terminal()
            .then(Terminal::open)
            .flatten()
            .map(|term| {
                let target = ProgressDrawTarget::term_like_with_hz(Box::new(term), 10);
                let (bar, template) = match size {
                    Some(len) => (
                        ProgressBar::with_draw_target(Some(len), target),
                        "{spinner} {elapsed_precise} [{wide_bar}] {percent}% {msg}, ETA {eta}",
                    ),
                    None => (
                        ProgressBar::with_draw_target(None, target),
                        "{spinner} {elapsed_precise} {msg}",
                    ),
                };
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(200));
                bar
            });
        Self {
            bar,
            bytes,
            start: Instant::now(),
        }
    }

    pub fn update(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes.load(Ordering::Relaxed));
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / secs));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The terminal behind stderr, through a handle of its own: `main` holds the process's stderr
/// lock for the whole command, so a bar drawing through `io::stderr()` from its ticker thread
/// would wait for it forever. (Unix: `/dev/stderr`; elsewhere there is no bar.)
#[derive(Debug)]
struct Terminal(Mutex<File>);

impl Terminal {
    fn open() -> Option<Self> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/stderr")
            .ok()?;
        file.is_terminal().then(|| Self(Mutex::new(file)))
    }

    fn escape(&self, n: usize, code: char) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write_str(&format!("\x1b[{n}{code}"))
    }
}

impl TermLike for Terminal {
    fn width(&self) -> u16 {
        console::Term::stderr().size().1
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.escape(n, 'A')
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.escape(n, 'B')
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.escape(n, 'C')
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.escape(n, 'D')
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        match self.0.lock() {
            Ok(mut f) => f.write_all(s.as_bytes()),
            Err(_) => Ok(()),
        }
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.write_str("\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        match self.0.lock() {
            Ok(mut f) => f.flush(),
            Err(_) => Ok(()),
        }
    }
}
