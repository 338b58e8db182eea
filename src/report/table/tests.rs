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
    write_findings(&findings, Style::default(), &mut out).expect("write to a Vec");
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
