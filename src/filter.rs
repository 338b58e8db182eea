//! The scope of a run (docs/usage.md): `--since`/`--until` over request times (or durations
//! before now), `--namespace` and `--user` globs, and the kinds of finding kept (`--outcome`,
//! `--reason`, `--action`: a CI gate can fail only on pods that were actually created).
//!
//! A request is judged by the event that stands for it (one per request, see docs/events.md), so
//! the filter looks at the fields that event's finding has (docs/output.md): its `time`
//! (`stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp`), namespace, and users.
//! The window is `[since, until)`.
//!
//! `--user` matches any of the names behind a request: its requester (`user`, or the
//! `impersonated_user` it acted as) or its initiator (the person or pipeline attribution found
//! behind it, or the one that initiator impersonated). So `--user bob@example.com` keeps the pods
//! replicaset-controller made from bob's Deployment, and `--user '*:replicaset-controller'` still
//! keeps them too. A request judged on its own, before any finding exists (the accepted requests
//! of `--suggest-allowlist`), has no initiator, so there only its requester is matched.
//!
//! A request whose time is missing or does not parse cannot be shown to be outside the window, so
//! it is **kept** (and counted, so the summary can say so): a filter narrows an investigation, it
//! must not hide evidence because the log was odd. A missing namespace or user matches no glob:
//! asking for `--namespace prod` is asking for requests known to be in `prod`.
//!
//! Namespace and user globs are globset's with `*` matching any characters (namespaces have no
//! `/`; user names such as `system:serviceaccount:ci:deploy` are matched whole), `?`, `[…]` and
//! `{a,b}`. Times are parsed with `jiff`, so any RFC 3339 offset and fraction works.

use anyhow::Context;
use globset::{Glob, GlobSet, GlobSetBuilder};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Which requests a run is about, and whether it also collects the accepted ones.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The filter every reported request must pass.
    pub filter: Filter,
    /// Collect the repositories of accepted pod requests (`--suggest-allowlist`).
    pub collect_accepted: bool,
}

/// The `--since`/`--until`/`--namespace`/`--user`/`--outcome`/`--reason`/`--action` filter; the
/// default admits everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Inclusive lower bound.
    since: Option<Timestamp>,
    /// Exclusive upper bound.
    until: Option<Timestamp>,
    /// Namespace globs (any of them), if any were given.
    namespaces: Option<GlobSet>,
    /// User globs (any of them), if any were given.
    users: Option<GlobSet>,
    /// The kinds of finding kept (`--outcome`, `--reason`, `--action`).
    kinds: Kinds,
}

/// The values `--outcome`, `--reason` and `--action` keep, as the outputs name them
/// (`created`, `images-unknown`, `apply-create`); an empty list keeps every value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kinds {
    /// `--outcome`: what the API server did with the request.
    pub outcomes: Vec<String>,
    /// `--reason`: why the request is a finding.
    pub reasons: Vec<String>,
    /// `--action`: how the request puts an image into a pod (or a workload).
    pub actions: Vec<String>,
}

impl Kinds {
    /// Does any of them leave something out?
    fn is_active(&self) -> bool {
        !(self.outcomes.is_empty() && self.reasons.is_empty() && self.actions.is_empty())
    }

    /// Does a request with these values pass? An unknown value (a request that is not a
    /// finding) is not held against it.
    fn admit(&self, outcome: Option<&str>, reason: Option<&str>, action: Option<&str>) -> bool {
        let keeps = |kept: &[String], value: Option<&str>| {
            kept.is_empty() || value.is_none_or(|v| kept.iter().any(|k| k == v))
        };
        keeps(&self.outcomes, outcome)
            && keeps(&self.reasons, reason)
            && keeps(&self.actions, action)
    }
}

/// What the filter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// In scope.
    In,
    /// In scope as far as can be told: a time bound is set but the request's time is missing
    /// or unreadable.
    Untimed,
    /// Out of scope.
    Out,
}

/// What the filter did to the findings, for the summary.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct FilterStats {
    /// Findings left out by the filters.
    pub excluded: u64,
    /// Findings kept although a time bound is set, because their time is missing or unreadable.
    pub kept_without_time: u64,
}

/// The fields of a request the filter reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// The finding's `time`, as written.
    pub time: Option<&'a str>,
    /// The namespace.
    pub namespace: Option<&'a str>,
    /// `user.username`.
    pub user: Option<&'a str>,
    /// `impersonatedUser.username`.
    pub impersonated_user: Option<&'a str>,
    /// The initiator's `user.username`, when attribution found one.
    pub initiator_user: Option<&'a str>,
    /// The initiator's `impersonatedUser.username`.
    pub initiator_impersonated_user: Option<&'a str>,
    /// The finding's `outcome` (`created`, …); `None` for a request that is not a finding.
    pub outcome: Option<&'a str>,
    /// The finding's `reason`.
    pub reason: Option<&'a str>,
    /// The finding's `action`.
    pub action: Option<&'a str>,
}

impl Filter {
    /// Compiles the filter; an invalid glob or an empty window is an error.
    pub fn new(
        since: Option<Timestamp>,
        until: Option<Timestamp>,
        namespaces: &[String],
        users: &[String],
    ) -> anyhow::Result<Filter> {
        if let (Some(since), Some(until)) = (since, until)
            && since >= until
        {
            anyhow::bail!(
                "--since {since} is not before --until {until}: no time is in [since, until)"
            );
        }
        Ok(Filter {
            since,
            until,
            namespaces: globs("--namespace", namespaces)?,
            users: globs("--user", users)?,
            kinds: Kinds::default(),
        })
    }

    /// Also keeps only the findings of these kinds (`--outcome`, `--reason`, `--action`).
    #[must_use]
    pub fn with_kinds(mut self, kinds: Kinds) -> Filter {
        self.kinds = kinds;
        self
    }

    /// Does the filter leave anything out?
    pub fn is_active(&self) -> bool {
        self.has_time_bound()
            || self.namespaces.is_some()
            || self.users.is_some()
            || self.kinds.is_active()
    }

    /// Can a finding's initiator decide whether it is admitted (`--user` is set)? Without it,
    /// a finding is judged the same before and after attribution.
    pub fn reads_initiator(&self) -> bool {
        self.users.is_some()
    }

    /// Is `--since` or `--until` set?
    pub fn has_time_bound(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Decides on one request.
    pub fn admit(&self, s: Subject<'_>) -> Admission {
        let matches = |set: &Option<GlobSet>, values: &[Option<&str>]| {
            set.as_ref()
                .is_none_or(|set| values.iter().flatten().any(|v| set.is_match(v)))
        };
        if !matches(&self.namespaces, &[s.namespace])
            || !matches(
                &self.users,
                &[
                    s.user,
                    s.impersonated_user,
                    s.initiator_user,
                    s.initiator_impersonated_user,
                ],
            )
        {
            return Admission::Out;
        }
        if !self.kinds.admit(s.outcome, s.reason, s.action) {
            return Admission::Out;
        }
        if !self.has_time_bound() {
            return Admission::In;
        }
        let Some(time) = s.time.and_then(parse_time) else {
            return Admission::Untimed;
        };
        let after_start = self.since.is_none_or(|since| time >= since);
        let before_end = self.until.is_none_or(|until| time < until);
        if after_start && before_end {
            Admission::In
        } else {
            Admission::Out
        }
    }
}

/// Compiles a list of globs; `None` when there are none.
fn globs(flag: &str, patterns: &[String]) -> anyhow::Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        set.add(Glob::new(p).with_context(|| format!("{flag} {p:?} is not a valid glob"))?);
    }
    set.build()
        .map(Some)
        .with_context(|| format!("cannot compile the {flag} globs"))
}

/// Parses an event's time: RFC 3339 with any fraction and offset. `None` when it is not one.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// Parses a `--since`/`--until` value: an RFC 3339 time, a date meaning midnight UTC, or a
/// duration before now (`24h`, `7d`, `1h30m`).
pub fn parse_bound(s: &str) -> Result<Timestamp, String> {
    parse_bound_at(s, Timestamp::now())
}

/// [`parse_bound`], with a duration counted back from `now`.
pub fn parse_bound_at(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Some(ago) = parse_duration(s)? {
        return now
            .checked_sub(ago)
            .map_err(|_| format!("{s:?} reaches back before the earliest time there is"));
    }
    let is_date = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    if is_date && let Ok(date) = s.parse::<Date>() {
        return Offset::UTC
            .to_timestamp(date.to_datetime(Time::midnight()))
            .map_err(|e| e.to_string());
    }
    if s.parse::<DateTime>().is_ok() {
        return Err(format!(
            "{s:?} has no offset: add `Z` for UTC (or an offset such as +01:00), so the time is \
             not read in some local zone"
        ));
    }
    Err(format!(
        "{s:?} is neither an RFC 3339 time with an offset (2026-03-02T08:00:00Z, \
         2026-03-02T09:00:00+01:00), nor a date (2026-03-02, meaning midnight UTC), nor a \
         duration before now (24h, 7d, 1h30m)"
    ))
}

/// A duration such as `24h`, `7d` or `1h30m`: whole numbers each followed by a unit, `w`
/// (7 days), `d` (24 hours), `h`, `m` or `s`. `Ok(None)` when `s` is not shaped like one (it
/// does not start with a digit and end with a unit letter).
fn parse_duration(s: &str) -> Result<Option<SignedDuration>, String> {
    let shaped = s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric());
    if !shaped {
        return Ok(None);
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let (number, after) = rest.split_at(digits);
        let mut units = after.chars();
        let unit = units.next();
        let seconds: i64 = match unit {
            Some('w') => 7 * 86_400,
            Some('d') => 86_400,
            Some('h') => 3_600,
            Some('m') => 60,
            Some('s') => 1,
            _ => {
                return Err(format!(
                    "{s:?}: a duration is whole numbers each followed by w, d, h, m or s (24h, \
                     7d, 1h30m)"
                ));
            }
        };
        let n: i64 = number
            .parse()
            .map_err(|_| format!("{s:?}: a duration needs a number before each unit"))?;
        total = n
            .checked_mul(seconds)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| format!("{s:?} is too long a duration"))?;
        rest = units.as_str();
    }
    Ok(Some(SignedDuration::from_secs(total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(since: &str, until: &str, ns: &[&str], users: &[&str]) -> Filter {
        let bound = |s: &str| (!s.is_empty()).then(|| parse_bound(s).expect("valid bound"));
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Filter::new(bound(since), bound(until), &owned(ns), &owned(users)).expect("valid filter")
    }

    fn at(time: &str) -> Subject<'_> {
        Subject {
            time: Some(time),
            namespace: Some("shop"),
            user: Some("alice"),
            ..Subject::default()
        }
    }

    #[test]
    fn bounds_parse_as_rfc3339_or_a_date_at_midnight_utc() {
        let day = parse_bound("2026-03-02").expect("a date");
        assert_eq!(day, parse_bound("2026-03-02T00:00:00Z").expect("rfc 3339"));
        assert_eq!(
            parse_bound("2026-03-02T01:00:00+01:00").expect("offset"),
            day
        );
        for bad in ["yesterday", "2026-03-02T08:00:00", "2026-13-01", ""] {
            assert!(parse_bound(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_window_is_since_inclusive_until_exclusive() {
        let f = filter("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z", &[], &[]);
        assert_eq!(f.admit(at("2026-03-02T08:00:00.000000Z")), Admission::In);
        assert_eq!(f.admit(at("2026-03-02T08:59:59.999999999Z")), Admission::In);
        assert_eq!(f.admit(at("2026-03-02T09:00:00Z")), Admission::Out);
        assert_eq!(f.admit(at("2026-03-02T07:59:59.999Z")), Admission::Out);
        assert_eq!(f.admit(at("2026-03-02T09:30:00+01:00")), Admission::In);
        assert_eq!(f.admit(at("not a time")), Admission::Untimed);
        let untimed = Subject {
            time: None,
            ..at("")
        };
        assert_eq!(f.admit(untimed), Admission::Untimed);
        assert_eq!(Filter::default().admit(untimed), Admission::In);
        assert!(
            Filter::new(f.until, f.since, &[], &[]).is_err(),
            "empty window"
        );
    }

    #[test]
    fn namespace_and_user_globs_any_of_several() {
        let f = filter("", "", &["team-*", "shop"], &["system:serviceaccount:ci:*"]);
        let s = |ns, user, imp| Subject {
            namespace: ns,
            user,
            impersonated_user: imp,
            ..Subject::default()
        };
        let bot = Some("system:serviceaccount:ci:deploy-bot");
        assert_eq!(f.admit(s(Some("team-a"), bot, None)), Admission::In);
        assert_eq!(f.admit(s(Some("shop"), bot, None)), Admission::In);
        assert_eq!(f.admit(s(Some("default"), bot, None)), Admission::Out);
        assert_eq!(f.admit(s(None, bot, None)), Admission::Out);
        assert_eq!(
            f.admit(s(Some("shop"), Some("alice"), None)),
            Admission::Out
        );
        assert_eq!(f.admit(s(Some("shop"), Some("alice"), bot)), Admission::In);
        assert_eq!(f.admit(s(Some("shop"), None, None)), Admission::Out);
        assert!(Filter::new(None, None, &["[".to_owned()], &[]).is_err());
    }

    #[test]
    fn a_user_glob_matches_the_requester_or_the_initiator() {
        let f = filter("", "", &[], &["bob@*"]);
        let controller = Some("system:serviceaccount:kube-system:replicaset-controller");
        let s = |user, imp, initiator, initiator_imp| Subject {
            namespace: Some("shop"),
            user,
            impersonated_user: imp,
            initiator_user: initiator,
            initiator_impersonated_user: initiator_imp,
            ..Subject::default()
        };
        let bob = Some("bob@example.com");
        let carol = Some("carol@example.com");
        assert_eq!(f.admit(s(controller, None, bob, None)), Admission::In);
        assert_eq!(f.admit(s(controller, None, carol, bob)), Admission::In);
        assert_eq!(f.admit(s(bob, None, None, None)), Admission::In);
        assert_eq!(f.admit(s(carol, bob, None, None)), Admission::In);
        assert_eq!(f.admit(s(controller, None, carol, None)), Admission::Out);
        assert_eq!(
            f.admit(s(controller, None, None, None)),
            Admission::Out,
            "unresolved: only the requester is known"
        );
        let controllers = filter("", "", &[], &["*:replicaset-controller"]);
        assert_eq!(
            controllers.admit(s(controller, None, bob, None)),
            Admission::In,
            "the requester still matches when an initiator was found"
        );
    }

    #[test]
    fn durations_count_back_from_now() {
        let now = parse_bound("2026-03-08T12:00:00Z").expect("now");
        let ago = |s: &str| parse_bound_at(s, now);
        assert_eq!(ago("24h"), parse_bound("2026-03-07T12:00:00Z"));
        assert_eq!(ago("7d"), parse_bound("2026-03-01T12:00:00Z"));
        assert_eq!(ago("1w"), ago("7d"));
        assert_eq!(ago("1h30m"), parse_bound("2026-03-08T10:30:00Z"));
        assert_eq!(ago("90s"), parse_bound("2026-03-08T11:58:30Z"));
        assert_eq!(ago("0h"), Ok(now));
        for bad in [
            "24",
            "h",
            "24x",
            "1h30",
            "-1h",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert!(ago(bad).is_err(), "{bad}");
        }
        // Dates and times are still dates and times.
        assert_eq!(ago("2026-03-02"), parse_bound("2026-03-02T00:00:00Z"));
    }

    #[test]
    fn outcome_reason_and_action_keep_any_of_their_values() {
        let kinds = Kinds {
            outcomes: vec!["created".into(), "unknown".into()],
            reasons: vec![],
            actions: vec!["create".into()],
        };
        let f = Filter::default().with_kinds(kinds);
        assert!(f.is_active());
        let s = |outcome, action| Subject {
            outcome: Some(outcome),
            reason: Some("disallowed-image"),
            action: Some(action),
            ..Subject::default()
        };
        assert_eq!(f.admit(s("created", "create")), Admission::In);
        assert_eq!(f.admit(s("unknown", "create")), Admission::In);
        assert_eq!(f.admit(s("rejected", "create")), Admission::Out);
        assert_eq!(f.admit(s("dry-run", "create")), Admission::Out);
        assert_eq!(f.admit(s("created", "image-change")), Admission::Out);
        // A request that is no finding has no outcome to hold against it.
        assert_eq!(f.admit(Subject::default()), Admission::In);
        let reasons = Filter::default().with_kinds(Kinds {
            reasons: vec!["images-unknown".into()],
            ..Kinds::default()
        });
        assert_eq!(reasons.admit(s("created", "create")), Admission::Out);
    }
}
