//! Any string as an image reference: parsing never panics, and a parsed reference's normalized
//! form parses back to itself.
#![no_main]

use falco_pod_scan::ImageRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for registry in ["docker.io", "quay.io", "localhost:5000"] {
        if let Ok(image) = ImageRef::parse(&text, registry) {
            let shown = image.to_string();
            let again = ImageRef::parse(&shown, registry).expect("a normalized reference parses");
            assert_eq!(again.to_string(), shown);
        }
    }
});
