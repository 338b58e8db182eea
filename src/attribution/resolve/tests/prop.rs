//! The answer depends on the writes, never on the order they are given in: random histories
//! over a few names, uids, owners, users and times (many equal, some missing), resolved from
//! the writes as generated and shuffled.

use proptest::prelude::prop;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::attribution::identity::{self, Child};

/// A person, the controller that writes children of `owner` (when there is one), or the
/// shared controller identity.
fn writer(child: Child, owner: Option<WorkloadKind>) -> impl Strategy<Value = String> {
    let controller = owner
        .and_then(|owner| identity::controller_name(child, owner))
        .map_or_else(|| "bob@example.com".to_owned(), sa);
    prop_oneof![
        3 => Just(controller),
        1 => Just(KUBE_CONTROLLER_MANAGER.to_owned()),
        1 => select(vec!["alice@example.com".to_owned(), "bob@example.com".to_owned()]),
        1 => Just(sa("replicaset-controller")),
    ]
}

/// A kind: mostly one of the two chains, sometimes another.
fn any_kind() -> impl Strategy<Value = WorkloadKind> {
    select(vec![
        WorkloadKind::ReplicaSet,
        WorkloadKind::ReplicaSet,
        WorkloadKind::Deployment,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
        WorkloadKind::StatefulSet,
    ])
}

/// The kind that owns a `kind` in a real chain, if any.
fn parent(kind: WorkloadKind) -> Option<WorkloadKind> {
    match kind {
        WorkloadKind::ReplicaSet => Some(WorkloadKind::Deployment),
        WorkloadKind::Job => Some(WorkloadKind::CronJob),
        _ => None,
    }
}

/// One of two names.
fn name() -> impl Strategy<Value = String> {
    select(vec!["a".to_owned(), "b".to_owned()])
}

/// No uid, the one object `kind`/`name` has, or another incarnation's.
fn uid(kind: WorkloadKind, name: &str) -> impl Strategy<Value = Option<String>> + use<> {
    let own = format!("{}-{name}", kind.as_str());
    let other = format!("{own}-old");
    prop_oneof![
        2 => Just(None),
        3 => Just(Some(own)),
        1 => Just(Some(other)),
    ]
}

/// An owner reference to a `kind` object, on one of the names and uids.
fn reference(kind: WorkloadKind) -> impl Strategy<Value = OwnerRef> {
    name().prop_flat_map(move |name| {
        uid(kind, &name).prop_map(move |uid| OwnerRef {
            kind: kind.as_str().to_owned(),
            name: name.clone(),
            uid,
        })
    })
}

/// The owner a `kind` object names: mostly its real parent's kind, sometimes any, or none.
fn owner_of(kind: WorkloadKind) -> impl Strategy<Value = Option<OwnerRef>> {
    let usual = parent(kind).unwrap_or(WorkloadKind::Deployment);
    prop_oneof![
        3 => reference(usual).prop_map(Some),
        1 => any_kind().prop_flat_map(reference).prop_map(Some),
        1 => Just(None),
    ]
}

/// No time, or one of a few minutes, written with one of two offsets.
fn time() -> impl Strategy<Value = Option<String>> {
    let timed = (0..4u8, any::<bool>()).prop_map(|(minute, offset)| {
        Some(if offset {
            format!("2026-03-02T10:0{minute}:00+01:00")
        } else {
            format!("2026-03-02T09:0{minute}:00Z")
        })
    });
    prop_oneof![6 => timed, 1 => Just(None)]
}

/// Template images: unknown, none, or some of two.
fn images() -> impl Strategy<Value = Option<Vec<String>>> {
    prop_oneof![
        1 => Just(None),
        4 => prop::sample::subsequence(vec![EVIL.to_owned(), NGINX.to_owned()], 0..=2)
            .prop_map(Some),
    ]
}

/// A write; its line is set from its index in the history, so positions are unique.
fn record() -> impl Strategy<Value = WorkloadRecord> {
    let object = (any_kind(), name()).prop_flat_map(|(kind, name)| {
        let uid = uid(kind, &name);
        (Just(kind), Just(name), uid, owner_of(kind))
    });
    let object = object.prop_flat_map(|(kind, name, uid, owner)| {
        let owner_kind = owner
            .as_ref()
            .and_then(|o| WorkloadKind::from_kind(&o.kind));
        let user = writer(Child::Workload(kind), owner_kind);
        (Just((kind, name, uid, owner)), user)
    });
    (object, images(), time(), 0..3usize).prop_map(
        |(((kind, name, uid, owner), user), images, time, input)| WorkloadRecord {
            kind,
            namespace: Some(NS.into()),
            name: Some(name.into()),
            uid: uid.map(Into::into),
            owner: owner.map(Box::new),
            images: images.map(|images| images.into_iter().map(Into::into).collect()),
            at: time.as_deref().map(|t| t.parse().expect("a valid time")),
            requester: Writer::of(&requester(Some(&user), time.as_deref(), input, 0)),
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
    prop::collection::vec(record(), 0..32).prop_flat_map(|mut writes| {
        for (line, write) in (1..).zip(&mut writes) {
            write.position.line = line;
        }
        (Just(writes.clone()), Just(writes).prop_shuffle())
    })
}

/// A pod create: mostly by the controller of its owner, at one of a few times or none.
fn pods() -> impl Strategy<Value = Vec<Pod>> {
    let owner = prop_oneof![
        4 => select(vec![WorkloadKind::ReplicaSet, WorkloadKind::Job])
            .prop_flat_map(reference)
            .prop_map(Some),
        1 => any_kind().prop_flat_map(reference).prop_map(Some),
        1 => Just(None),
    ];
    let pod = owner.prop_flat_map(|owner| {
        let kind = owner
            .as_ref()
            .and_then(|o| WorkloadKind::from_kind(&o.kind));
        let minute = prop_oneof![6 => (0..4u8).prop_map(Some), 1 => Just(None)];
        (Just(owner), writer(Child::Pod, kind), minute)
    });
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
        let given = Records::new(&given);
        let shuffled = Records::new(&shuffled);
        for pod in &pods {
            prop_assert_eq!(answer(pod, &given), answer(pod, &shuffled));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The indexed resolver answers as the plain one that filters the whole history for every
    /// question, for pods whose disallowed image is known and for pods whose images are not.
    #[test]
    fn the_index_answers_as_the_plain_resolver(
        (writes, _) in histories(),
        pods in pods(),
    ) {
        let records = Records::new(&writes);
        for mut pod in pods {
            prop_assert_eq!(answer(&pod, &records), super::reference::answer(&pod, &writes));
            pod.disallowed.clear();
            prop_assert_eq!(answer(&pod, &records), super::reference::answer(&pod, &writes));
        }
    }
}

/// The generators reach every kind of answer, so the property above is not vacuous.
#[test]
fn the_histories_reach_every_answer() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..300 {
        let (writes, _) = histories()
            .new_tree(&mut runner)
            .expect("a history")
            .current();
        let records = Records::new(&writes);
        for pod in pods().new_tree(&mut runner).expect("pods").current() {
            let answer = answer(&pod, &records);
            let reason = answer.note.as_deref().and_then(Unresolved::of);
            let masquerade = answer
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("claims"));
            seen.insert((answer.how, answer.chain.len(), reason, masquerade));
        }
    }
    for wanted in [
        (How::Direct, 0, None, false),
        (How::Direct, 0, None, true),
        (How::OwnerChain, 1, None, false),
        (How::OwnerChain, 2, None, false),
        (How::Unresolved, 1, Some(Unresolved::OwnerNotLogged), false),
        (How::Unresolved, 2, Some(Unresolved::OwnerNotLogged), false),
        (
            How::Unresolved,
            1,
            Some(Unresolved::OwnerWithoutSpec),
            false,
        ),
        (
            How::Unresolved,
            2,
            Some(Unresolved::OwnerWithoutSpec),
            false,
        ),
        (
            How::Unresolved,
            2,
            Some(Unresolved::NoRequestSetImage),
            false,
        ),
    ] {
        assert!(seen.contains(&wanted), "{wanted:?} never generated");
    }
}
