//! The lean module's report as a JS string, made from the bytes the engine writes
//! (`evaluate_json_bytes_into`), with the ranges where characters other than ASCII may be.
//!
//! Under Node, the module's memory is also seen through one `Buffer`, whose
//! `toString("latin1", …)` makes a string of ASCII bytes by copying them, where `TextDecoder`
//! reads them as UTF-8 first (wasm/README.md, "Speed"). Browsers have no `Buffer`: there
//! `TextDecoder` does it, with the same result.

use std::cell::RefCell;
use std::ops::Range;

use js_sys::{JsString, Reflect};
use wasm_bindgen::prelude::*;

use crate::text::first_non_ascii;

// The `TextDecoder` of the page and of Node, for a report where there is no `Buffer`: it takes
// the report's bytes as they are in the module's memory (wasm-bindgen passes a view, not a
// copy). Its defaults (no `fatal`, a leading byte-order mark dropped) do not matter: what it
// decodes is ASCII.
#[wasm_bindgen]
extern "C" {
    type TextDecoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextDecoder;
    #[wasm_bindgen(method)]
    fn decode(this: &TextDecoder, bytes: &[u8]) -> JsString;
}

thread_local! {
    static DECODER: TextDecoder = TextDecoder::new();
}

// Node's `Buffer`, over the module's memory.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = Buffer)]
    type NodeBuffer;
    #[wasm_bindgen(static_method_of = NodeBuffer, js_name = from)]
    fn over(memory: &JsValue) -> NodeBuffer;
    /// `buffer.buffer`: the `ArrayBuffer` the `Buffer` views.
    #[wasm_bindgen(method, getter, js_name = buffer)]
    fn array_buffer(this: &NodeBuffer) -> JsValue;
    /// `buffer.toString("latin1", start, end)`: a character of the string for each byte.
    #[wasm_bindgen(method, js_name = toString)]
    fn latin1(this: &NodeBuffer, encoding: &JsString, start: u32, end: u32) -> JsString;
}

/// The `Buffer` over the module's memory while it has `pages` pages (memory that grows is
/// another `ArrayBuffer`: the `Buffer` is made again); `available`: whether there is a global
/// `Buffer` that views the memory.
struct NodeMemory {
    available: bool,
    over: Option<(usize, NodeBuffer)>,
    /// `"latin1"`, made once (a `&str` would be decoded at every call).
    latin1: JsString,
}

thread_local! {
    static NODE_MEMORY: RefCell<NodeMemory> = RefCell::new(NodeMemory {
        available: node_buffer(),
        over: None,
        latin1: JsString::from("latin1"),
    });
}

/// Whether the global `Buffer` is Node's or one like it (the `buffer` package's, which bundlers
/// provide): a function with `isEncoding`, whose instances have `latin1Slice` (what
/// `toString("latin1")` calls).
fn node_buffer() -> bool {
    let get = |on: &JsValue, key: &str| {
        Reflect::get(on, &JsValue::from_str(key))
            .ok()
            .filter(JsValue::is_function)
    };
    get(&js_sys::global(), "Buffer").is_some_and(|buffer| {
        get(&buffer, "isEncoding").is_some()
            && Reflect::get(&buffer, &JsValue::from_str("prototype"))
                .ok()
                .and_then(|prototype| get(&prototype, "latin1Slice"))
                .is_some()
    })
}

/// `f` of Node's `Buffer` over the module's memory; `None` where there is none. The memory must
/// not grow while `f` runs (nothing is allocated in it).
fn with_node_memory<R>(f: impl FnOnce(&NodeBuffer, &JsString) -> R) -> Option<R> {
    NODE_MEMORY.with_borrow_mut(|memory| {
        if !memory.available {
            return None;
        }
        let pages = memory_pages();
        let buffer = match &memory.over {
            Some((at, buffer)) if *at == pages => buffer,
            _ => {
                let module: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
                let bytes = module.buffer();
                let buffer = NodeBuffer::over(&bytes);
                // A view of the memory, as Node's is; a `Buffer` that copied it (some stand-in
                // for Node's might) would show old bytes: then `TextDecoder` it is.
                if buffer.array_buffer() != bytes {
                    memory.available = false;
                    memory.over = None;
                    return None;
                }
                &memory.over.insert((pages, buffer)).1
            }
        };
        Some(f(buffer, &memory.latin1))
    })
}

/// How many pages the module's memory has (a native build, for tests of `api`, has none).
fn memory_pages() -> usize {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size::<0>();
    #[cfg(not(target_arch = "wasm32"))]
    return 0;
}

/// An offset or a length in the module's memory, as a JS call takes it (memory is 32-bit).
fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// ASCII bytes as a JS string: under Node a character for each byte copied
/// (`toString("latin1")`, a 19 KB report ~0.8 µs), elsewhere by `TextDecoder` (which reads
/// them as UTF-8 first: ~1.5–2.9 µs under Node 20).
fn ascii_string(bytes: &[u8]) -> JsString {
    let start = bytes.as_ptr() as usize;
    with_node_memory(|b, latin1| b.latin1(latin1, index(start), index(start + bytes.len())))
        .unwrap_or_else(|| DECODER.with(|d| d.decode(bytes)))
}

/// A report (UTF-8 bytes) as a JS string, fast whatever characters it holds; `bytes` is left
/// with each byte of its characters that are not ASCII replaced by a space. `other`: the
/// ranges of `bytes` where such characters may be (every byte outside them is ASCII).
///
/// V8 makes a string of ASCII fast and of other UTF-8 slowly (see
/// [`js_string`](crate::text::js_string)), and each
/// piece decoded on its own costs more than a slice of a string made already. So the report
/// is decoded in one piece with its other characters blanked out (a report has a few: `ö` in
/// "zorgcoördinator", dashes), and those characters are put back in JS between slices of it
/// (slices and concatenation link strings, copying nothing).
pub(crate) fn report_string(bytes: &mut [u8], other: &[Range<usize>]) -> JsString {
    // The runs of other characters: where they are (bytes) and their UTF-16 units.
    let mut runs = Vec::new();
    let mut units: Vec<u16> = Vec::new();
    for range in other {
        let Some(marked) = bytes.get(range.clone()) else {
            return DECODER.with(|d| d.decode(bytes));
        };
        let mut at = 0;
        while let Some(n) = first_non_ascii(&marked[at..]) {
            let start = at + n;
            let end = marked[start..]
                .iter()
                .position(u8::is_ascii)
                .map_or(marked.len(), |n| start + n);
            // `start` and `end` are character boundaries (an ASCII byte, or the end of text
            // the engine wrote, after them) so the run is UTF-8; were it not, the whole report
            // is decoded as it is (slowly, with the same result).
            let Ok(run) = std::str::from_utf8(&marked[start..end]) else {
                return DECODER.with(|d| d.decode(bytes));
            };
            let from = units.len();
            units.extend(run.encode_utf16());
            runs.push((range.start + start, range.start + end, from, units.len()));
            at = end;
        }
    }
    let Some(&(first, ..)) = runs.first() else {
        return ascii_string(bytes);
    };
    for &(start, end, ..) in &runs {
        bytes[start..end].fill(b' ');
    }
    // All ASCII now: a character of the string for each byte.
    let blanked = ascii_string(bytes);
    let mut joined = blanked.slice(0, index(first));
    for (k, &(_, end, from, to)) in runs.iter().enumerate() {
        let next = runs.get(k + 1).map_or(bytes.len(), |r| r.0);
        let after = blanked.slice(index(end), index(next));
        joined = match units[from..to] {
            // Most runs are one character (`ö`, `–`), made once.
            [u] => joined
                .unchecked_ref::<Joined>()
                .concat2(&one_char(u32::from(u)), &after),
            // A long one in parts, each within what a JS call takes as arguments.
            ref more => {
                for part in more.chunks(4096) {
                    joined = joined.concat(&JsString::from_char_code(part));
                }
                joined.concat(&after)
            }
        };
    }
    joined
}

// `String.prototype.concat` of two strings in one call (js-sys's `concat` takes one string).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = String)]
    type Joined;
    #[wasm_bindgen(method, js_name = concat)]
    fn concat2(this: &Joined, a: &JsString, b: &JsString) -> JsString;
}

/// A string of the one character `unit` (UTF-16), kept: a report has the same few.
fn one_char(unit: u32) -> JsString {
    /// At most this many are kept (a case's text can bring any).
    const KEEP: usize = 64;
    thread_local! {
        static MADE: RefCell<Vec<(u32, JsString)>> = const { RefCell::new(Vec::new()) };
    }
    MADE.with_borrow_mut(|made| {
        if let Some((_, text)) = made.iter().find(|(u, _)| *u == unit) {
            return text.clone();
        }
        let text = JsString::from_char_code1(unit);
        if made.len() < KEEP {
            made.push((unit, text.clone()));
        }
        text
    })
}
