//! Any text as an allowlist: loading never panics; a loaded allowlist answers for any image.
#![no_main]

use falco_pod_scan::{Allowlist, ImageRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(list) = Allowlist::parse(text, "fuzz.yaml", "docker.io") {
        let image = ImageRef::parse("ghcr.io/acme/api:1.0", "docker.io").expect("valid");
        let _ = list.allows(&image, Some("default"));
        let _ = list.allows(&image, None);
    }
});
