//! The stream path against the mapped path: the same findings through gzip, zstd and plain
//! streams; damage keeps what came before it; the memory limits turn into errors that say what
//! was not scanned.

use std::io::{Cursor, Write};

use crate::input::sniff::Compression;

use super::*;
use crate::input::decode;
use crate::rules::{Policy, select};
use crate::scan::scan_bytes;
use crate::testing::{self, pod_create};

/// The policy every scan here runs under.
fn policy() -> Policy {
    testing::policy("[nginx]").build()
}

/// A ResponseComplete pod create of `image`, as the API server writes it.
fn pod(id: usize, image: &str) -> String {
    (pod_create()
        .api_server()
        .audit_id(&format!("id-{id}"))
        .complete())
    .namespace("ns")
    .status(201)
    .image(image)
    .line()
}

/// `n` lines: every third a disallowed create, the others allowed creates and lease updates.
fn log(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..n {
        let line = match i % 3 {
            0 => pod(i, &format!("evil:{i}")),
            1 => pod(i, "nginx:1.25"),
            _ => format!(
                r#"{{"kind":"Event","auditID":"l-{i}","stage":"ResponseComplete","verb":"update","objectRef":{{"resource":"leases"}}}}"#
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.into_bytes()
}

/// Small blocks and a small limit, so that the tests cross every boundary.
fn opts() -> ScanOptions {
    ScanOptions {
        mmap: false,
        chunk_size: 300,
        block_size: 300,
        max_buffered: 4096,
        progress: None,
        inputs_in_flight: 0,
    }
}

/// `text` as one gzip member per part.
fn gzip(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(part).expect("in memory");
        out.extend(enc.finish().expect("in memory"));
    }
    out
}

/// A stream decoding `compressed`.
fn decoding(compression: Compression, compressed: Vec<u8>) -> Stream {
    let len = compressed.len() as u64;
    let (decoded, meter) =
        decode::decoder_for_reader(compression, Cursor::new(compressed), Some(len))
            .expect("decoder");
    Stream {
        reader: Box::new(decoded),
        compression: Some(compression),
        meter: Some(meter),
    }
}

/// A plain stream of `bytes`.
fn plain(bytes: &[u8]) -> Stream {
    Stream::plain(Box::new(Cursor::new(bytes.to_vec())))
}

/// The findings of a scan as (line, disallowed images).
fn findings(scan: &InputScan) -> Vec<(u64, Vec<String>)> {
    select(scan.candidates.clone())
        .into_iter()
        .map(|f| (f.line, f.disallowed_images))
        .collect()
}

/// The error messages of a stream scan.
fn messages(result: &StreamScan) -> Vec<String> {
    result.errors.iter().map(|e| format!("{e:#}")).collect()
}

#[test]
fn gzip_zstd_and_plain_streams_equal_the_mapped_scan() {
    let text = log(300);
    let mapped = scan_bytes("t.log", &text, &policy(), Some(1000));
    assert_eq!(findings(&mapped).len(), 100);
    let (a, b) = text.split_at(text.len() / 2 + 7);
    let mut zst = zstd::encode_all(a, 3).expect("in memory");
    zst.extend(zstd::encode_all(b, 1).expect("in memory"));
    let gz = gzip(&[a, b]);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool");
    for (what, stream, compressed) in [
        ("plain", plain(&text), None),
        (
            "gzip",
            decoding(Compression::Gzip, gz.clone()),
            Some(gz.len()),
        ),
        (
            "zstd",
            decoding(Compression::Zstd, zst.clone()),
            Some(zst.len()),
        ),
    ] {
        let meter = stream.meter.clone();
        let result = pool.install(|| scan_stream("t.log", stream, &policy(), &opts()));
        assert!(result.errors.is_empty(), "{what}: {:?}", messages(&result));
        assert_eq!(result.format, InputFormat::JsonLines, "{what}");
        assert_eq!(findings(&result.scan), findings(&mapped), "{what}");
        assert_eq!(result.scan.stats, mapped.stats, "{what}");
        assert_eq!(
            meter.map(|m| m.consumed() as usize),
            compressed,
            "{what}: every compressed byte counted"
        );
    }
}

#[test]
fn a_truncated_gzip_keeps_the_findings_before_the_damage() {
    let text = log(3000);
    let all = findings(&scan_bytes("t.log", &text, &policy(), None));
    let mut gz = gzip(&[&text]);
    let cut = gz.len() * 3 / 5;
    gz.truncate(cut);
    let result = scan_stream(
        "audit-1.log.gz",
        decoding(Compression::Gzip, gz),
        &policy(),
        &opts(),
    );
    let got = findings(&result.scan);
    let lines = result.scan.stats.lines;
    assert!(lines > 1000 && lines < 3000, "{lines} lines scanned");
    // Exactly the findings of the complete lines before the damage.
    let before: Vec<_> = all.iter().filter(|f| f.0 <= lines).cloned().collect();
    assert_eq!(got, before);
    let msg = messages(&result).join("\n");
    for part in [
        "audit-1.log.gz: the gzip data ends early (truncated) at compressed byte ".to_owned(),
        format!(" of {cut}, after "),
        format!("the findings in the {lines} complete lines before it are reported"),
        "the incomplete line after them (".to_owned(),
        "`gzip -t` checks the archive".to_owned(),
    ] {
        assert!(msg.contains(&part), "{part:?} not in {msg}");
    }
    // Every byte decoded is counted, scanned or not.
    let decoded: u64 = msg
        .split(", after ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("decompressed bytes in the message");
    assert_eq!(result.scan.stats.bytes, decoded);
}

#[test]
fn legacy_text_is_refused_even_compressed() {
    let legacy = b"\n2026-03-01T10:00:00.123456789Z AUDIT: id=\"a\" stage=\"ResponseComplete\" ip=\"10.0.0.5\" method=\"create\" user=\"alice\" groups=\"\\\"system:authenticated\\\"\" as=\"<self>\" asgroups=\"<lookup>\" user-agent=\"kubectl\" namespace=\"default\" uri=\"/api/v1/namespaces/default/pods\" response=\"201\"\n";
    for stream in [plain(legacy), decoding(Compression::Gzip, gzip(&[legacy]))] {
        let result = scan_stream("old.log", stream, &policy(), &opts());
        assert_eq!(result.format, InputFormat::Legacy);
        assert_eq!(result.scan.stats.lines, 0, "not scanned");
        let msg = messages(&result).join("\n");
        assert!(msg.starts_with("old.log: this is the API server's `legacy` audit log format"));
        assert!(msg.contains("--audit-log-format=json"), "{msg}");
    }
}

/// `event` pretty-printed after a blank line.
fn pretty(event: &str) -> Vec<u8> {
    let value: serde_json::Value = serde_json::from_str(event).expect("JSON");
    let mut out = b"\n".to_vec();
    out.extend(serde_json::to_vec_pretty(&value).expect("serializable"));
    out.push(b'\n');
    out
}

#[test]
fn a_document_is_held_up_to_the_limit_and_refused_beyond_it() {
    let small = pretty(&pod(1, "evil:small"));
    let result = scan_stream("doc.json", plain(&small), &policy(), &opts());
    assert!(result.errors.is_empty(), "{:?}", messages(&result));
    assert_eq!(result.format, InputFormat::Document);
    assert_eq!(findings(&result.scan), [(2, vec!["evil:small".to_owned()])]);

    let items: Vec<String> = (0..40).map(|i| pod(i, "evil:big")).collect();
    let list = format!(r#"{{"kind":"EventList","items":[{}]}}"#, items.join(","));
    let big = pretty(&list);
    assert!(big.len() > opts().max_buffered);
    let result = scan_stream("big.json", plain(&big), &policy(), &opts());
    assert_eq!(result.format, InputFormat::Document);
    assert!(result.scan.candidates.is_empty(), "nothing scanned");
    let msg = messages(&result).join("\n");
    assert!(
        msg.starts_with(
            "big.json: starts a multi-line JSON document that is still open after 4096 bytes"
        ),
        "{msg}"
    );
    assert!(msg.contains("jq -c '.items[]'"), "{msg}");
    // The same document from a mapped file has no limit.
    let mapped = scan_bytes("big.json", &big, &policy(), Some(300));
    assert_eq!(findings(&mapped).len(), 40);
}

#[test]
fn json_lines_after_a_broken_first_line_are_streamed_not_held() {
    let mut text = b"{\"kind\":\"Event\",\"verb\":\"create\n".to_vec();
    text.extend(log(200));
    assert!(text.len() > 4 * opts().max_buffered);
    let result = scan_stream("t.log", plain(&text), &policy(), &opts());
    assert!(result.errors.is_empty(), "{:?}", messages(&result));
    assert_eq!(result.format, InputFormat::JsonLines);
    let mapped = scan_bytes("t.log", &text, &policy(), None);
    assert_eq!(findings(&result.scan), findings(&mapped));
    assert_eq!(result.scan.stats, mapped.stats);
    assert_eq!(result.scan.stats.skipped, 1);
}

#[test]
fn a_line_over_the_limit_is_an_error_naming_it_and_the_rest_is_scanned() {
    let huge = format!(r#"{{"kind":"Event","junk":"{}"}}"#, "x".repeat(5000));
    let text = [pod(1, "evil:1"), huge.clone(), pod(3, "evil:3"), huge].join("\n");
    let result = scan_stream("t.log", plain(text.as_bytes()), &policy(), &opts());
    assert_eq!(
        findings(&result.scan),
        [
            (1, vec!["evil:1".to_owned()]),
            (3, vec!["evil:3".to_owned()])
        ]
    );
    assert_eq!(result.scan.stats.lines, 4);
    assert_eq!(result.scan.stats.bytes, text.len() as u64);
    let msg = messages(&result).join("\n");
    assert!(
        msg.starts_with(
            "t.log: 2 lines (the first is line 2) are longer than a line read from a stream"
        ),
        "{msg}"
    );
    assert!(msg.contains("without --no-mmap"), "{msg}");
}

#[test]
fn an_empty_stream_is_empty() {
    let result = scan_stream("-", plain(b""), &policy(), &opts());
    assert!(result.errors.is_empty());
    assert_eq!(result.format, InputFormat::Empty);
    assert_eq!(result.scan.stats.files, 1);
}
