//! CSV cells: formulas defused, RFC 4180 quoting, attribution in flat columns, the owner chain's
//! separator, and the initiators of image rows.

use super::*;
use crate::report::sample::{REPLICASET_CONTROLLER, owner_chain, pod, request, resolved};

/// `f`'s CSV record by column name.
fn record(f: &Finding) -> impl Fn(&str) -> String + use<> {
    let values: Vec<String> = finding_record(f).into_iter().map(Cow::into_owned).collect();
    assert_eq!(values.len(), FINDING_HEADER.len(), "one field per column");
    move |name| {
        let i = FINDING_HEADER
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        values[i].clone()
    }
}

#[test]
fn attribution_is_spread_over_flat_columns() {
    let mut initiator = request("bob@example.com", 5);
    initiator.impersonated_user = Some("deployer".to_owned());
    let field = record(&owner_chain("web-1", initiator));
    assert_eq!(field("kind"), "Pod");
    assert_eq!(field("name"), "web-1");
    assert_eq!(field("user"), REPLICASET_CONTROLLER);
    assert_eq!(field("attribution_how"), "owner-chain");
    assert_eq!(
        field("attribution_chain"),
        "ReplicaSet/web-6f8b9d7c4d > Deployment/web"
    );
    for (column, value) in [
        ("initiator_user", "bob@example.com"),
        ("initiator_impersonated_user", "deployer"),
        ("initiator_source_ips", "203.0.113.9 10.0.0.1"),
        ("initiator_user_agent", "kubectl/v1.30.1"),
        ("initiator_verb", "patch"),
        ("initiator_time", "2026-03-04T09:41:17Z"),
        ("initiator_audit_id", "initiator-audit-id"),
        ("initiator_file", "b.log"),
        ("initiator_line", "5"),
        ("attribution_note", ""),
    ] {
        assert_eq!(field(column), value, "{column}");
    }
}

#[test]
fn missing_attribution_and_initiators_are_empty_fields() {
    let unresolved = resolved(
        pod("api-1", REPLICASET_CONTROLLER),
        "ReplicaSet",
        "api-5f8d7c9b4",
    );
    let field = record(&unresolved);
    assert_eq!(field("attribution_how"), "unresolved");
    assert_eq!(field("attribution_chain"), "ReplicaSet/api-5f8d7c9b4");
    assert!(field("attribution_note").starts_with("owner not in the logs"));
    for column in FINDING_HEADER
        .iter()
        .filter(|h| h.starts_with("initiator_"))
    {
        assert_eq!(field(column), "", "{column}");
    }
    let mut falco = pod("p", "alice");
    falco.attribution = None;
    falco.name = None;
    let field = record(&falco);
    for column in &FINDING_HEADER[20..] {
        assert_eq!(field(column), "", "{column}");
    }
    let direct = record(&pod("p", "alice"));
    assert_eq!(direct("attribution_how"), "direct");
    assert_eq!(direct("attribution_chain"), "", "an empty chain");
    assert_eq!(direct("initiator_line"), "4");
}

#[test]
fn a_chain_splits_back_into_its_elements_at_every_bare_separator() {
    let elements = ["ReplicaSet/a > b", "Deployment/c\\>d", "CronJob/e\\"];
    let owned: Vec<String> = elements.iter().map(|e| (*e).to_owned()).collect();
    let text = chain(&owned);
    assert_eq!(
        text,
        "ReplicaSet/a \\> b > Deployment/c\\\\\\>d > CronJob/e\\\\"
    );
    let mut split = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => split.last_mut().expect("one").extend(chars.next()),
            '>' => {
                split.last_mut().expect("one").pop();
                split.push(String::new());
                chars.next();
            }
            c => split.last_mut().expect("one").push(c),
        }
    }
    assert_eq!(split, elements);
    assert_eq!(chain(&["=cmd|x".to_owned()]), "'=cmd|x", "defused");
    assert_eq!(chain(&[]), "");
}

#[test]
fn image_rows_count_initiators_in_two_columns() {
    let findings = [
        owner_chain("web-1", request("bob@example.com", 5)),
        owner_chain("web-2", request("bob@example.com", 5)),
        owner_chain("web-3", request("=carol", 5)),
        resolved(pod("api-1", REPLICASET_CONTROLLER), "ReplicaSet", "api"),
    ];
    let rows = crate::report::by_image::rows(&findings);
    let mut out = Vec::new();
    write_images(&rows, &mut out).expect("write to a Vec");
    let text = String::from_utf8(out).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("a header").clone();
    let record = reader.records().next().expect("one row").expect("a record");
    let field = |name: &str| &record[header.iter().position(|h| h == name).expect(name)];
    assert_eq!(field("initiators"), "'=carol=1 bob@example.com=2");
    assert_eq!(field("unresolved"), "1");
    assert_eq!(field("count"), "4");
}

#[test]
fn new_cells_from_the_log_are_defused() {
    let mut f = owner_chain("web-1", request("@evil", 5));
    f.name = Some("=name".to_owned());
    if let Some(a) = &mut f.attribution
        && let Some(i) = &mut a.initiator
    {
        i.user_agent = Some("+agent".to_owned());
    }
    let field = record(&f);
    assert_eq!(field("initiator_user"), "'@evil");
    assert_eq!(field("initiator_user_agent"), "'+agent");
    assert_eq!(field("name"), "'=name");
}

#[test]
fn formula_cells_are_defused_and_others_kept() {
    assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(cell("nginx:1.25"), "nginx:1.25");
    assert_eq!(cell(""), "");
}

#[test]
fn fields_are_quoted_as_rfc_4180_says() {
    let mut out = Vec::new();
    let mut w = writer(&mut out);
    w.write_record(["a,b", "say \"hi\"", "two\nlines", "plain"])
        .expect("write");
    w.flush().expect("flush");
    drop(w);
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",plain\r\n"
    );
}
