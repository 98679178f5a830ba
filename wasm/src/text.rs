//! Text across the JS boundary without wasm-bindgen's own conversions where they are slow: a
//! JS string into the module's memory as UTF-8 (a case, options), and Rust text out of it as a
//! JS string (the answers of the full module, `questions`, `info`, `guide`). The lean module
//! reads a case into a buffer it keeps (`text_in`) and makes its reports' strings from bytes
//! (`report_text.rs`).

#[cfg(not(feature = "full"))]
use std::borrow::Cow;

use js_sys::JsString;
use wasm_bindgen::prelude::*;

// The `TextEncoder` of the page and of Node.
#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, text: &JsString, into: &mut [u8]) -> EncodeIntoResult;
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
}

thread_local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// A JS string as Rust text, written by `TextEncoder.encodeInto` straight into the module's
/// memory. wasm-bindgen's own conversion copies a string's ASCII characters one `charCodeAt`
/// at a time in JS: ~10 µs for a 2 KB case under Node 20, against ~0.4 µs.
pub(crate) fn rust_text(text: &JsString) -> String {
    let mut bytes = Vec::new();
    let written = write_in(text, &mut bytes);
    bytes.truncate(written);
    // Not an error (`encodeInto` writes well-formed UTF-8); wasm-bindgen's conversion then,
    // which gives the same text.
    String::from_utf8(bytes).unwrap_or_else(|_| String::from(text))
}

/// A JS string as Rust text in `bytes`, which is grown as needed and kept as long.
#[cfg(not(feature = "full"))]
pub(crate) fn text_in<'a>(text: &JsString, bytes: &'a mut Vec<u8>) -> Cow<'a, str> {
    let written = write_in(text, bytes);
    match bytes.get(..written).map(std::str::from_utf8) {
        Some(Ok(text)) => Cow::Borrowed(text),
        _ => Cow::Owned(String::from(text)),
    }
}

/// Writes `text` as UTF-8 at the start of `bytes`, grown as needed (and left as long, so that
/// a buffer used again is not cleared again); returns how many bytes.
fn write_in(text: &JsString, bytes: &mut Vec<u8>) -> usize {
    // At most three bytes of UTF-8 for each UTF-16 unit (four for a pair of two), so all of
    // it fits: `encodeInto` writes whole characters only, and stops when the next does not.
    let room = text.length() as usize * 3;
    if bytes.len() < room {
        // Made anew, not grown by `resize`: that is a loop of single bytes where the module
        // is built for size (the full one), ~5 % of its screen.
        *bytes = vec![0; room];
    }
    let written = ENCODER.with(|e| e.encode_into(text, &mut bytes[..room]).written());
    (written as usize).min(room)
}

/// `text` as a JS string, made from its ASCII stretches and the characters between them.
///
/// A report is ASCII but for a few characters (`ö` in "zorgcoördinator" in the advice, near
/// its start). V8 turns UTF-8 into a string fast up to the first other character and slowly
/// after it: the ~37 KB report of an empty case took 70–290 µs under Node 20 in one piece,
/// 7–25 µs for the same text all ASCII. So each ASCII stretch is decoded on its own and the
/// pieces joined (JS concatenation links them, copying nothing).
pub(crate) fn js_string(text: &str) -> JsString {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut joined: Option<JsString> = None;
    while start < bytes.len() {
        let other = !bytes[start].is_ascii();
        // The end of the stretch that starts at `start`: ASCII up to the next other byte, or
        // other characters up to the next ASCII byte (always a character boundary).
        let end = if other {
            start
                + bytes[start..]
                    .iter()
                    .position(u8::is_ascii)
                    .unwrap_or(bytes.len() - start)
        } else {
            first_non_ascii(&bytes[start..]).map_or(bytes.len(), |n| start + n)
        };
        let piece = JsString::from(&text[start..end]);
        joined = Some(match joined {
            None => piece,
            Some(j) => j.concat(&piece),
        });
        start = end;
    }
    joined.unwrap_or_else(|| JsString::from(""))
}

/// Where the first byte that is not ASCII is: 32 bytes at a time (four words, one test)
/// while all are ASCII, then eight at a time.
pub(crate) fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    for block in bytes.chunks_exact(32) {
        let mut any = 0;
        for word in block.chunks_exact(8) {
            any |= u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        }
        if any & HIGH != 0 {
            break;
        }
        at += 32;
    }
    let mut words = bytes[at..].chunks_exact(8);
    for word in words.by_ref() {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8])) & HIGH;
        if w != 0 {
            return Some(at + w.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|b| !b.is_ascii())
        .map(|n| at + n)
}
