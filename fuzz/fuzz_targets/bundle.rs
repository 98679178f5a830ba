//! Loading arbitrary text as a bundle, with and without a required signature.
#![no_main]

use herken_engine::Bundle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = Bundle::load(&text);
    let key = herken_engine::public_key(&[7; 32]);
    let verified = Bundle::load_verified(&text, &key);
    // Fail closed: nothing verifies that did not also load without a key.
    if verified.is_ok() {
        assert!(loaded.is_ok());
    }
    if let Ok(bundle) = Bundle::from_json(&text) {
        // What loads writes back to a bundle that loads the same.
        let again = Bundle::from_json(&bundle.to_json()).expect("a bundle round-trips");
        assert_eq!(again, bundle);
    }
});
