//! The answer depends on the writes, never on the order they are given in: random histories
//! over a few names, uids, owners, users and times (many equal, some missing), resolved from
//! the writes as generated and shuffled.

use proptest::prelude::prop;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;

/// Users: people, the controllers of the chains, the shared controller identity.
fn user() -> impl Strategy<Value = String> {
    select(vec![
        "alice@example.com".to_owned(),
        "bob@example.com".to_owned(),
        sa("deployment-controller"),
        sa("cronjob-controller"),
        sa("replicaset-controller"),
        sa("job-controller"),
        KUBE_CONTROLLER_MANAGER.to_owned(),
    ])
}

/// A kind of the two chains.
fn kind() -> impl Strategy<Value = WorkloadKind> {
    select(vec![
        WorkloadKind::ReplicaSet,
        WorkloadKind::Deployment,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
    ])
}

/// One of two names.
fn name() -> impl Strategy<Value = String> {
    select(vec!["a".to_owned(), "b".to_owned()])
}

/// No uid, or one of two.
fn uid() -> impl Strategy<Value = Option<String>> {
    prop::option::of(select(vec!["u1".to_owned(), "u2".to_owned()]))
}

/// No time, or one of a few minutes, written with one of two offsets.
fn time() -> impl Strategy<Value = Option<String>> {
    prop::option::of((0..4u8, any::<bool>()).prop_map(|(minute, offset)| {
        if offset {
            format!("2026-03-02T10:0{minute}:00+01:00")
        } else {
            format!("2026-03-02T09:0{minute}:00Z")
        }
    }))
}

/// An owner reference of any kind, on one of the names and uids.
fn owner_ref() -> impl Strategy<Value = Option<OwnerRef>> {
    prop::option::of(
        (kind(), name(), uid()).prop_map(|(kind, name, uid)| OwnerRef {
            kind: kind.as_str().to_owned(),
            name,
            uid,
        }),
    )
}

/// Template images: unknown, none, or some of two.
fn images() -> impl Strategy<Value = Option<Vec<String>>> {
    prop::option::of(prop::sample::subsequence(
        vec![EVIL.to_owned(), NGINX.to_owned()],
        0..=2,
    ))
}

/// A write; its line is set from its index in the history, so positions are unique.
fn record() -> impl Strategy<Value = WorkloadRecord> {
    let object = (kind(), name(), uid(), owner_ref());
    (object, images(), user(), time(), 0..3usize).prop_map(
        |((kind, name, uid, owner), images, user, time, input)| WorkloadRecord {
            kind,
            namespace: Some(NS.to_owned()),
            name: Some(name),
            uid,
            owner,
            images,
            at: time.as_deref().map(|t| t.parse().expect("a valid time")),
            requester: requester(Some(&user), time.as_deref(), input, 0),
            position: Position {
                input,
                line: 0,
                item: 0,
            },
        },
    )
}

/// A history, as generated and shuffled.
fn histories() -> impl Strategy<Value = (Vec<WorkloadRecord>, Vec<WorkloadRecord>)> {
    prop::collection::vec(record(), 0..24).prop_flat_map(|mut writes| {
        for (line, write) in (1..).zip(&mut writes) {
            write.position.line = line;
            write.requester.line = line;
        }
        (Just(writes.clone()), Just(writes).prop_shuffle())
    })
}

/// A pod create: an owner of any kind, a controller or a person, a time or none.
fn pods() -> impl Strategy<Value = Vec<Pod>> {
    let pod = (owner_ref(), user(), prop::option::of(0..4u8));
    let pod = pod.prop_map(|(owner, user, minute)| {
        let clock = minute.map(|minute| format!("09:0{minute}:30"));
        super::pod(owner, &user, clock.as_deref())
    });
    prop::collection::vec(pod, 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn the_answer_does_not_depend_on_the_order_of_writes(
        (given, shuffled) in histories(),
        pods in pods(),
    ) {
        let given = Records::new(given);
        let shuffled = Records::new(shuffled);
        for pod in &pods {
            prop_assert_eq!(answer(pod, &given), answer(pod, &shuffled));
        }
    }
}
