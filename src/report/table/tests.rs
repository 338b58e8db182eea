//! The table's cells for each way a finding is attributed, workload names, escaping, and the
//! initiators of image rows.

use super::*;
use crate::attribution::WorkloadKind;
use crate::report::sample::{REPLICASET_CONTROLLER, owner_chain, pod, request, resolved, workload};

#[test]
fn an_owner_chain_shows_the_initiator_via_the_top_of_the_chain() {
    let f = owner_chain("web-1", request("bob@example.com", 5));
    assert_eq!(user(&f), "bob@example.com\nvia Deployment/web");
    let mut impersonating = request("bob@example.com", 5);
    impersonating.impersonated_user = Some("deployer".to_owned());
    assert_eq!(
        user(&owner_chain("web-1", impersonating)),
        "bob@example.com\n(as deployer)\nvia Deployment/web"
    );
}

#[test]
fn a_pod_that_claims_an_owner_shows_its_requester_and_the_claim() {
    let f = resolved(
        pod("web-5b7d9c6f48-q7v2n", "mallory@example.com"),
        "ReplicaSet",
        "web-5b7d9c6f48",
    );
    assert_eq!(
        user(&f),
        "mallory@example.com\nclaims ReplicaSet/web-5b7d9c6f48"
    );
    let mut impersonating = pod("p", "mallory@example.com");
    impersonating.impersonated_user = Some(REPLICASET_CONTROLLER.to_owned());
    let f = resolved(impersonating, "ReplicaSet", "web-5b7d9c6f48");
    assert_eq!(
        user(&f),
        format!(
            "mallory@example.com\n(as {REPLICASET_CONTROLLER})\nclaims ReplicaSet/web-5b7d9c6f48"
        )
    );
    let f = resolved(
        pod("p", "mallory@example.com"),
        "ReplicaSet",
        "x but was created by y",
    );
    assert_eq!(
        user(&f),
        "mallory@example.com\nclaims ReplicaSet/x but was created by y",
        "the owner's name is cut only where the note's own words start"
    );
    let rollout = resolved(pod("p", "argo"), "Rollout", "web");
    assert_eq!(user(&rollout), "argo\nowned by Rollout/web");
}

#[test]
fn an_unresolved_pod_shows_its_requester_and_where_the_chain_broke() {
    let f = resolved(
        pod("api-1", REPLICASET_CONTROLLER),
        "ReplicaSet",
        "api-5f8d7c9b4",
    );
    assert_eq!(
        f.attribution.as_ref().map(|a| a.how),
        Some(How::Unresolved),
        "no write of the owner"
    );
    assert_eq!(
        user(&f),
        format!("{REPLICASET_CONTROLLER}\nunresolved at ReplicaSet/api-5f8d7c9b4")
    );
}

#[test]
fn a_direct_or_unattributed_finding_shows_its_requester() {
    let mut f = pod("debug", "alice@example.com");
    assert_eq!(user(&f), "alice@example.com");
    f.attribution = None;
    f.impersonated_user = Some("ops".to_owned());
    assert_eq!(user(&f), "alice@example.com\n(as ops)");
    f.user = None;
    assert_eq!(user(&f), "-\n(as ops)");
}

#[test]
fn a_workload_request_names_kind_and_name_in_the_pod_column() {
    let f = workload(WorkloadKind::Deployment, "web", "leo@example.com");
    assert_eq!(object(&f), "Deployment/web");
    assert_eq!(object(&pod("web-1", "alice")), "web-1");
    let hostile = workload(WorkloadKind::CronJob, "x\u{1b}[2Jy", "leo");
    assert_eq!(object(&hostile), "CronJob/x\\u{1b}[2Jy");
}

#[test]
fn every_name_in_the_user_column_is_escaped() {
    let mut initiator = request("bob\u{202e}moc.elpmaxe@", 5);
    initiator.impersonated_user = Some("ops\u{7}".to_owned());
    let mut f = owner_chain("web-1", initiator);
    if let Some(a) = &mut f.attribution {
        a.chain = vec![
            "ReplicaSet/r".to_owned(),
            "Deployment/w\u{1b}]52;c;x\u{7}".to_owned(),
        ];
    }
    let cell = user(&f);
    assert!(!cell.contains(['\u{202e}', '\u{1b}', '\u{7}']), "{cell:?}");
    assert_eq!(
        cell,
        "bob\\u{202e}moc.elpmaxe@\n(as ops\\u{7})\nvia Deployment/w\\u{1b}]52;c;x\\u{7}"
    );
    let claim = resolved(pod("p", "mallory"), "ReplicaSet", "r\u{1b}[8m");
    assert_eq!(user(&claim), "mallory\nclaims ReplicaSet/r\\u{1b}[8m");
    let unresolved = resolved(pod("p", REPLICASET_CONTROLLER), "ReplicaSet", "r\u{1b}[8m");
    assert!(
        user(&unresolved).ends_with("\nunresolved at ReplicaSet/r\\u{1b}[8m"),
        "{}",
        user(&unresolved)
    );
}

#[test]
fn image_rows_list_initiators_with_counts_then_the_unresolved() {
    let findings = [
        owner_chain("web-1", request("bob@example.com", 5)),
        owner_chain("web-2", request("bob@example.com", 5)),
        owner_chain("web-3", request("carol\u{1b}[8m", 5)),
        resolved(pod("api-1", REPLICASET_CONTROLLER), "ReplicaSet", "api"),
    ];
    let rows = crate::report::by_image::rows(&findings);
    assert_eq!(
        initiators(&rows[0]),
        "bob@example.com (2)\ncarol\\u{1b}[8m (1)\n<unresolved> (1)"
    );
    let mut falco = pod("p", "alice");
    falco.attribution = None;
    let rows = crate::report::by_image::rows(std::slice::from_ref(&falco));
    assert_eq!(initiators(&rows[0]), "-", "nothing attributed");
}

#[test]
fn the_table_puts_how_beneath_who_in_one_row() {
    let findings = [
        owner_chain("web-1", request("bob@example.com", 5)),
        workload(WorkloadKind::Deployment, "banner", "leo@example.com"),
    ];
    let mut out = Vec::new();
    write_findings(&findings, &Style::default(), &mut out).expect("write to a Vec");
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let row = lines
        .iter()
        .position(|l| l.contains("web-1"))
        .expect("the pod's row");
    assert!(lines[row].contains("bob@example.com"), "{text}");
    assert!(!lines[row].contains(REPLICASET_CONTROLLER), "{text}");
    assert!(lines[row + 1].contains("via Deployment/web"), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Deployment/banner") && l.contains("leo@example.com")),
        "{text}"
    );
}

#[test]
fn times_lose_their_fraction_and_stack_when_asked() {
    assert_eq!(
        without_fraction("2026-03-02T09:11:58.976051Z"),
        "2026-03-02T09:11:58Z"
    );
    assert_eq!(
        without_fraction("2026-03-02T09:11:58.5+01:00"),
        "2026-03-02T09:11:58+01:00"
    );
    assert_eq!(
        without_fraction("2026-03-02T09:11:58Z"),
        "2026-03-02T09:11:58Z"
    );
    assert_eq!(without_fraction("yesterday. late"), "yesterday. late");
    assert_eq!(without_fraction("-"), "-");
    let time = "2026-03-02T09:11:58.976051Z";
    assert_eq!(TimeForm::Written.show(time), time);
    assert_eq!(TimeForm::Seconds.show(time), "2026-03-02T09:11:58Z");
    assert_eq!(TimeForm::TwoLines.show(time), "2026-03-02\n09:11:58Z");
    assert_eq!(TimeForm::TwoLines.show("-"), "-");
}

#[test]
fn sources_below_the_base_are_shown_relative_to_it() {
    let mut f = pod("p", "alice");
    let base = std::path::PathBuf::from("/srv/incident");
    f.file = "/srv/incident/logs/audit.log".to_owned();
    assert_eq!(source(&f, Some(&base)), "logs/audit.log:4");
    assert_eq!(source(&f, None), "/srv/incident/logs/audit.log:4");
    f.file = "/var/log/audit.log".to_owned();
    assert_eq!(source(&f, Some(&base)), "/var/log/audit.log:4", "not below");
    f.file = "./audit.log".to_owned();
    assert_eq!(source(&f, Some(&base)), "audit.log:4");
    f.file = "-".to_owned();
    assert_eq!(source(&f, Some(&base)), "-:4");
    f.file = "s3://bucket/audit.log".to_owned();
    assert_eq!(source(&f, Some(&base)), "s3://bucket/audit.log:4");
    f.file = "/srv/incident/a\u{1b}[2J.log".to_owned();
    assert_eq!(source(&f, Some(&base)), "a\\u{1b}[2J.log:4");
}

/// The lines of the findings drawn at `width`.
fn drawn(findings: &[Finding], width: u16) -> String {
    let style = Style {
        color: false,
        width: Some(width),
        base: None,
    };
    let mut out = Vec::new();
    write_findings(findings, &style, &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn every_line_fits_the_width_whatever_the_values() {
    let long = "x".repeat(90);
    let mut findings = vec![
        owner_chain("web-1", request("bob@example.com", 5)),
        pod(
            &format!("pod-{long}"),
            &format!("system:serviceaccount:{long}:sa"),
        ),
    ];
    findings[1].disallowed_images = vec![format!("registry.example.com/{long}/image:tag")];
    findings[1].action = crate::finding::Action::ApplyCreate;
    for width in [30, 40, 60, 74, 80, 100, 120, 200] {
        let text = drawn(&findings, width);
        for line in text.lines() {
            assert!(
                crate::report::fit::width(line) <= usize::from(width),
                "{width}: {line}\n{text}"
            );
        }
        // Never narrower than 14 columns: an e-mail address keeps its ends.
        assert!(
            text.lines()
                .any(|l| l.contains("bob@e") && l.contains("ple.com")),
            "{width}: {text}"
        );
    }
    assert!(
        drawn(&findings[..1], 200).contains("┆ STAGE"),
        "room for the stage"
    );
    assert!(!drawn(&findings[..1], 120).contains("STAGE"));
    assert!(
        drawn(&findings, 40).starts_with("Finding 1 of 2\n"),
        "blocks"
    );
    assert!(
        drawn(&findings, 80).starts_with('┌'),
        "a table at 80 columns"
    );
}

#[test]
fn a_value_is_elided_in_the_middle_never_broken() {
    let image = "registry.example.com/team/very-long-image-name-for-the-miner:2026.03.01";
    let mut f = pod("p", "alice");
    f.disallowed_images = vec![image.to_owned()];
    let text = drawn(&[f], 80);
    let shown = text
        .lines()
        .find_map(|l| {
            l.split(['┆', '│'])
                .find(|cell| cell.contains('…'))
                .map(str::trim)
        })
        .expect("the image, elided");
    let (head, tail) = shown.split_once('…').expect("one mark");
    assert!(image.starts_with(head) && image.ends_with(tail), "{shown}");
    assert!(tail.ends_with(":2026.03.01"), "the tag is kept: {shown}");
    assert_eq!(
        text.lines().filter(|l| l.contains(tail)).count(),
        1,
        "on one line: {text}"
    );
}

#[test]
fn blocks_show_every_field_and_put_long_values_beneath_their_label() {
    let f = owner_chain("web-1", request("bob@example.com", 5));
    let text = drawn(std::slice::from_ref(&f), 40);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Finding 1 of 1");
    for label in [
        "Time:",
        "Stage:",
        "Namespace:",
        "Pod:",
        "User:",
        "Action/outcome:",
        "Disallowed images:",
        "Source:",
    ] {
        assert!(
            lines.iter().any(|l| l.trim_start().starts_with(label)),
            "{label}\n{text}"
        );
    }
    let user = lines
        .iter()
        .position(|l| l.trim_start().starts_with("User:"))
        .expect("the user");
    assert!(lines[user].ends_with("bob@example.com"), "{text}");
    assert!(lines[user + 1].trim() == "via Deployment/web", "{text}");
    let time = lines
        .iter()
        .position(|l| l.trim_start() == "Time:")
        .expect("a time too wide for the space after the labels goes below");
    assert_eq!(lines[time + 1], "    2026-03-06T13:47:09Z");
}
