//! What is wrong with text that is not JSON, in plain words: serde_json's messages are parser
//! jargon ("EOF while parsing an object") and carry the position, which callers show once in
//! their own form (`case.json:3:14`, `line 12, column 3`).

/// What is wrong with the JSON text at the error's position, without the position.
///
/// # Examples
///
/// ```
/// let e = serde_json::from_str::<serde_json::Value>("{\"a\": }").unwrap_err();
/// assert_eq!((e.line(), e.column()), (1, 7));
/// assert!(herken_engine::json_problem(&e).starts_with("a value is missing here"));
/// ```
pub fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    // serde_json ends every syntax message with " at line L column C".
    let message = text
        .rfind(" at line ")
        .map_or(text.as_str(), |at| &text[..at]);
    let plain = match message {
        "expected value" => {
            "a value is missing here (a number, text in double quotes, true, false, null, a list or an object)"
        }
        "expected ident" => "`true`, `false` or `null` is misspelt here",
        "EOF while parsing a value" => "the text ends where a value should follow",
        "EOF while parsing an object" => "the text ends before the object is closed with `}`",
        "EOF while parsing a list" => "the text ends before the list is closed with `]`",
        "EOF while parsing a string" => "the text ends inside a quoted text (a missing `\"`)",
        "trailing characters" => {
            "there is more text after the end of the JSON value (one case is one object)"
        }
        "trailing comma" => "a comma stands before a closing bracket; remove it",
        "key must be a string" => "a key must be text in double quotes (`\"question_id\"`)",
        "expected `:`" => "a `:` should follow the key here",
        "expected `,` or `}`" => "a `,` or the closing `}` should stand here",
        "expected `,` or `]`" => "a `,` or the closing `]` should stand here",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "a quoted text contains a line break or tab; write it as `\\n` or `\\t`"
        }
        "invalid escape" => {
            "a `\\` in a quoted text starts no valid escape (write `\\\\` for a backslash)"
        }
        "invalid unicode code point" | "invalid \\u escape" => "a `\\u` escape is not valid",
        "invalid number" => "this is not a valid number",
        "number out of range" => "this number is too large",
        "recursion limit exceeded" => "the value is nested too deeply",
        "lone leading surrogate in hex escape" | "unexpected end of hex escape" => {
            "a `\\u` escape is not valid"
        }
        // Anything else: a fixed sentence by kind. serde_json's other messages may quote the
        // text they stopped at (`invalid type: string "…"`), and that text can be an answer.
        _ => match e.classify() {
            serde_json::error::Category::Eof => "the text ends too early",
            serde_json::error::Category::Data => "a value here has a type that is not allowed",
            serde_json::error::Category::Io => "the text could not be read",
            serde_json::error::Category::Syntax => "the text is not valid JSON here",
        },
    };
    plain.to_owned()
}

#[cfg(test)]
mod tests {
    use super::json_problem;

    fn problem(text: &str) -> String {
        let e = serde_json::from_str::<serde_json::Value>(text).expect_err("invalid");
        json_problem(&e)
    }

    #[test]
    fn messages_are_plain_and_carry_no_position() {
        for (text, words) in [
            ("{\"a\": }", "a value is missing here"),
            ("{\"a\": 1", "before the object is closed"),
            ("{\"a\": 1,}", "a comma stands before a closing bracket"),
            ("{\"a\": 1} x", "more text after the end"),
            ("{a: 1}", "a key must be text in double quotes"),
            ("{\"a\" 1}", "a `:` should follow the key"),
            ("{\"a\": tru}", "misspelt"),
            ("[1, 2", "before the list is closed"),
            ("{\"a\": \"x", "inside a quoted text"),
        ] {
            let p = problem(text);
            assert!(p.contains(words), "{text}: {p}");
            assert!(
                !p.contains("line") && !p.contains("column") && !p.contains("EOF"),
                "{p}"
            );
        }
    }

    #[test]
    fn unrecognised_messages_never_pass_through() {
        // A data error quotes the value it met; the plain text must not.
        let e = serde_json::from_str::<Vec<u8>>("[\"SECRET-ANSWER\"]").expect_err("type");
        let p = json_problem(&e);
        assert!(!p.contains("SECRET"), "{p}");
        assert_eq!(p, "a value here has a type that is not allowed");
    }
}
