//! The bundle loader as the WASM module calls it (`herken_wasm::api`: the options' trusted
//! keys, then `Bundle::open`), under four trust policies: no keys, the seeds' publisher key,
//! another key, and both. The first byte picks how the rest is read; see `fuzz/README.md`.
//!
//! What must hold: nothing panics; fail closed (what opens with keys opens without, and is
//! trusted only by a key given); whatever opens was signed, if at all, over exactly its own
//! format, id, version and content hash — checked here with ed25519-dalek directly, apart from
//! the engine's own path; what opens round-trips through `to_json`.
#![no_main]

use ed25519_dalek::{Signature, VerifyingKey};
use herken_engine::{Bundle, SecretKey, SignatureState, TrustPolicy};
use herken_wasm::api;
use libfuzzer_sys::fuzz_target;

/// The key `scripts/fuzz.sh` signs the seed bundles with.
const PUBLISHER: [u8; 32] = [7; 32];
const OTHER: [u8; 32] = [8; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    // Mode bit 0x80: the first line is the `fromBundle` options' JSON, as a page passes them.
    let (options, bundle) = match (mode & 0x80 != 0, text.split_once('\n')) {
        (true, Some((options, bundle))) => (Some(options), bundle),
        _ => (None, &*text),
    };
    if let Some(options) = options {
        if let Ok(trust) = api::trust_policy(options) {
            let _ = api::open(bundle, &trust);
        }
    }

    let publisher = SecretKey::from_bytes(&PUBLISHER).public_key();
    let other = SecretKey::from_bytes(&OTHER).public_key();
    let without = Bundle::open(bundle, &TrustPolicy::no_keys());
    for keys in [vec![publisher], vec![other], vec![other, publisher]] {
        let trust = TrustPolicy::trusting(keys.clone());
        let with = Bundle::open(bundle, &trust);
        match (&with, &without) {
            (Ok(opened), Ok(open)) => {
                let SignatureState::Trusted(key) = opened.signature else {
                    panic!("opened with keys but not trusted: {:?}", opened.signature);
                };
                assert!(keys.contains(&key));
                assert_eq!(open.signature, SignatureState::Signed(key));
            }
            (Ok(_), Err(e)) => panic!("opens with keys, refused without: {}", e.code()),
            (Err(e), Ok(open)) => {
                // Only the trust decision may differ.
                assert!(
                    ["bundle::unsigned", "bundle::untrusted-key"].contains(&e.code().as_str()),
                    "{} ({:?})",
                    e.code(),
                    open.signature
                );
            }
            // Refused either way: for the same reason, or first for want of trust.
            (Err(a), Err(b)) => assert!(
                a.code() == b.code() || ["bundle::unsigned", "bundle::untrusted-key"].contains(&a.code().as_str()),
                "{} / {}",
                a.code(),
                b.code()
            ),
        }
    }
    let Ok(opened) = without else {
        return;
    };
    let parsed = Bundle::from_json(bundle).expect("what opens parses");
    assert_eq!(opened.rules.sha256(), parsed.sha256);
    assert_eq!((opened.rules.id(), opened.rules.version()), (&*parsed.id, &*parsed.version));
    if let Some(signature) = &parsed.signature {
        // An independent check of what the engine accepted.
        let key: [u8; 32] = hex(&signature.key).try_into().expect("32 bytes");
        let value: [u8; 64] = hex(&signature.value).try_into().expect("64 bytes");
        let claims = &signature.signed;
        assert_eq!(
            (claims.herken_bundle, &claims.id, &claims.version, &claims.sha256),
            (parsed.herken_bundle, &parsed.id, &parsed.version, &parsed.sha256)
        );
        let message = format!(
            "herken-bundle-signature-v1\n{{\"herken_bundle\":{},\"id\":{},\"version\":{},\"sha256\":{}}}",
            claims.herken_bundle,
            serde_json::to_string(&claims.id).expect("text"),
            serde_json::to_string(&claims.version).expect("text"),
            serde_json::to_string(&claims.sha256).expect("text"),
        );
        VerifyingKey::from_bytes(&key)
            .expect("a key")
            .verify_strict(message.as_bytes(), &Signature::from_bytes(&value))
            .expect("the signature verifies");
    }
    let again = Bundle::from_json(&parsed.to_json()).expect("a bundle round-trips");
    assert_eq!(again, parsed);
});

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}
