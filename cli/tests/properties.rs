//! Properties of `herken batch` over arbitrary, often damaged, input: rows in = rows out, in
//! order, whatever the bytes.

use proptest::prelude::*;

use crate::util::run_with;

/// A line of a CSV with the header `id,deceived_about_job,hours_per_week`: sometimes valid,
/// sometimes damaged (stray quotes, wrong types, extra fields, invalid UTF-8).
fn line() -> impl Strategy<Value = Vec<u8>> {
    let answer = prop_oneof![
        Just(b"yes".to_vec()),
        Just(b"no".to_vec()),
        Just(Vec::new()),
        Just(b"maybe".to_vec()),
        Just(b"\"unclosed".to_vec()),
        Just(vec![0xff, 0xfe]),
        Just(b"\"a,b\"".to_vec()),
    ];
    let hours = prop_oneof![
        (0u32..200).prop_map(|h| h.to_string().into_bytes()),
        Just(b"-5".to_vec()),
        Just(b"lots".to_vec())
    ];
    (answer, hours, any::<bool>()).prop_map(|(a, h, extra)| {
        let mut l = b"case,".to_vec();
        l.extend(a);
        l.push(b',');
        l.extend(h);
        if extra {
            l.extend(b",surplus");
        }
        l
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_input_row_gives_exactly_one_output_row(lines in proptest::collection::vec(line(), 1..40)) {
        let mut input = b"id,deceived_about_job,hours_per_week\n".to_vec();
        for l in &lines {
            input.extend(l);
            input.push(b'\n');
        }
        let r = run_with(&["batch", "-", "--input-format", "csv", "--format", "jsonl", "--threads", "2"], &input);
        prop_assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
        let out = r.stdout_text();
        let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).expect("each output line is JSON")).collect();
        prop_assert_eq!(rows.len(), lines.len(), "{}", out);
        for (i, row) in rows.iter().enumerate() {
            prop_assert_eq!(row["row"].as_u64(), Some(i as u64 + 1));
        }
    }
}
