//! Any bytes, as one line or document of an audit log: parsing never panics, and every event
//! the parser reports it also hands over.
#![no_main]

use falco_pod_scan::internals::{for_each_event, salvage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut calls = 0;
    if let Ok(seen) = for_each_event(data, &mut |_| calls += 1) {
        assert_eq!(seen.events, calls);
    }
    let repaired = salvage::repair(data);
    let _ = serde_json::from_str::<serde_json::Value>(&repaired.text);
    for part in salvage::parts(data).parts {
        if let salvage::Part::Value(range) = part {
            assert!(range.end <= data.len());
        }
    }
});
