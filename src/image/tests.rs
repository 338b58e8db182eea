//! Vectors ported from distribution/reference v0.6.0 (`normalize_test.go`, `reference_test.go`,
//! `regexp_test.go`), with expectations for `ParseNormalizedNamed` where Go's test calls
//! `Parse`. Each table names the Go test it comes from; rows marked "derived" follow from the
//! Go source rather than a Go test.

use proptest::prelude::*;

use super::*;
use ParseError::{
    DigestInvalidFormat, DigestInvalidLength, DigestUnsupported, Empty, Format, HexIdentifier,
    TooLong, Uppercase,
};

/// 64 `f`s: the digest hex most Go vectors use.
macro_rules! f64 {
    () => {
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    };
}
/// The digest hex of `TestParseAnyReference`.
macro_rules! dbcc {
    () => {
        "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
    };
}
/// The digest hex of `TestParseDockerRef`.
macro_rules! e669 {
    () => {
        "e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"
    };
}
/// The digest hex of `TestReferenceRegexp`.
macro_rules! be17 {
    () => {
        "be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912"
    };
}
/// The 64-character name that is not hex.
macro_rules! song {
    () => {
        "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"
    };
}

/// A well-formed sha256 digest.
const D: &str = concat!("sha256:", f64!());

/// An expected parse: repository and the rest of Display, or the error.
type Want = Result<(&'static str, &'static str), ParseError>;
/// Expected regex groups: name, tag, digest.
type Groups = (&'static str, &'static str, &'static str);

/// Parses on Docker Hub; returns the repository and what Display adds after it.
fn norm(s: &str) -> Result<(String, String), ParseError> {
    ImageRef::parse(s, DOCKER_HUB).map(|r| {
        let shown = r.to_string();
        let rest = shown[r.repository().len()..].to_owned();
        (r.repository().to_owned(), rest)
    })
}

/// Asserts one row: `want` is `(repository, rest of Display)` or an error.
fn check(input: &str, want: Result<(&str, &str), ParseError>) {
    let want = want.map(|(repo, rest)| (repo.to_owned(), rest.to_owned()));
    assert_eq!(norm(input), want, "{input:?}");
}

/// Valid names: input, normalized repository, what Display shows after the repository.
#[rustfmt::skip]
const NORMALIZED: &[(&str, &str, &str)] = &[
    // normalize_test.go TestValidateReferenceName, valid
    ("docker/docker", "docker.io/docker/docker", ":latest"),
    ("library/debian", "docker.io/library/debian", ":latest"),
    ("debian", "docker.io/library/debian", ":latest"),
    ("docker.io/docker/docker", "docker.io/docker/docker", ":latest"),
    ("docker.io/library/debian", "docker.io/library/debian", ":latest"),
    ("docker.io/debian", "docker.io/library/debian", ":latest"),
    ("index.docker.io/docker/docker", "docker.io/docker/docker", ":latest"),
    ("index.docker.io/library/debian", "docker.io/library/debian", ":latest"),
    ("index.docker.io/debian", "docker.io/library/debian", ":latest"),
    ("127.0.0.1:5000/docker/docker", "127.0.0.1:5000/docker/docker", ":latest"),
    ("127.0.0.1:5000/library/debian", "127.0.0.1:5000/library/debian", ":latest"),
    ("127.0.0.1:5000/debian", "127.0.0.1:5000/debian", ":latest"),
    ("192.168.0.1", "docker.io/library/192.168.0.1", ":latest"),
    ("192.168.0.1:80", "docker.io/library/192.168.0.1", ":80"),
    ("192.168.0.1:8/debian", "192.168.0.1:8/debian", ":latest"),
    ("192.168.0.2:25000/debian", "192.168.0.2:25000/debian", ":latest"),
    (song!(), concat!("docker.io/library/", song!()), ":latest"),
    ("[fc00::1]:5000/docker", "[fc00::1]:5000/docker", ":latest"),
    ("[fc00::1]:5000/docker/docker", "[fc00::1]:5000/docker/docker", ":latest"),
    ("[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000/library/debian", ":latest"),
    (concat!("docker.io/", dbcc!()), concat!("docker.io/library/", dbcc!()), ":latest"),
    ("Docker/docker", "Docker/docker", ":latest"),
    ("DOCKER/docker", "DOCKER/docker", ":latest"),
    // TestValidateRemoteName, valid (the first two are above)
    ("docker-rules/docker", "docker.io/docker-rules/docker", ":latest"),
    ("docker---rules/docker", "docker.io/docker---rules/docker", ":latest"),
    ("doc/docker", "docker.io/doc/docker", ":latest"),
    ("d/docker", "docker.io/d/docker", ":latest"),
    ("jess/t", "docker.io/jess/t", ":latest"),
    ("dock__er/docker", "docker.io/dock__er/docker", ":latest"),
    // TestParseReferenceWithTagAndDigest
    ("busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", "docker.io/library/busybox", ":latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"),
    // TestParseAnyReference, the names
    ("redis", "docker.io/library/redis", ":latest"),
    ("redis:latest", "docker.io/library/redis", ":latest"),
    ("docker.io/library/redis:latest", "docker.io/library/redis", ":latest"),
    (concat!("redis@sha256:", dbcc!()), "docker.io/library/redis", concat!("@sha256:", dbcc!())),
    (concat!("docker.io/library/redis@sha256:", dbcc!()), "docker.io/library/redis", concat!("@sha256:", dbcc!())),
    ("dmcgowan/myapp", "docker.io/dmcgowan/myapp", ":latest"),
    ("dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp", ":latest"),
    ("docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp", ":latest"),
    (concat!("dmcgowan/myapp@sha256:", dbcc!()), "docker.io/dmcgowan/myapp", concat!("@sha256:", dbcc!())),
    (concat!("docker.io/dmcgowan/myapp@sha256:", dbcc!()), "docker.io/dmcgowan/myapp", concat!("@sha256:", dbcc!())),
    ("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", ":latest"),
    ("dbcc1", "docker.io/library/dbcc1", ":latest"),
    // derived: ParseAnyReference reads this as a bare digest, ParseNormalizedNamed as a tag
    (concat!("sha256:", dbcc!()), "docker.io/library/sha256", concat!(":", dbcc!())),
    // TestNormalizedSplitHostname
    ("test.com/foo", "test.com/foo", ":latest"),
    ("test_com/foo", "docker.io/test_com/foo", ":latest"),
    ("docker/migrator", "docker.io/docker/migrator", ":latest"),
    ("test.com:8080/foo", "test.com:8080/foo", ":latest"),
    ("test-com:8080/foo", "test-com:8080/foo", ":latest"),
    ("foo", "docker.io/library/foo", ":latest"),
    ("xn--n3h.com/foo", "xn--n3h.com/foo", ":latest"),
    ("xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo", ":latest"),
    ("docker.io/foo", "docker.io/library/foo", ":latest"),
    ("docker.io/library/foo", "docker.io/library/foo", ":latest"),
    ("docker.io/library/foo/bar", "docker.io/library/foo/bar", ":latest"),
    // TestParseDockerRef
    ("busybox", "docker.io/library/busybox", ":latest"),
    ("busybox:latest", "docker.io/library/busybox", ":latest"),
    (concat!("busybox@sha256:", e669!()), "docker.io/library/busybox", concat!("@sha256:", e669!())),
    ("library/busybox", "docker.io/library/busybox", ":latest"),
    ("docker.io/busybox", "docker.io/library/busybox", ":latest"),
    ("docker.io/library/busybox", "docker.io/library/busybox", ":latest"),
    ("docker.io/busybox:latest", "docker.io/library/busybox", ":latest"),
    ("library/busybox:latest", "docker.io/library/busybox", ":latest"),
    ("docker.io/library/busybox:latest", "docker.io/library/busybox", ":latest"),
    ("gcr.io/library/busybox", "gcr.io/library/busybox", ":latest"),
    // ParseDockerRef drops a tag next to a digest; this crate keeps both
    (concat!("gcr.io/library/busybox:latest@sha256:", e669!()), "gcr.io/library/busybox", concat!(":latest@sha256:", e669!())),
    // TestParseNamed (ParseNormalizedNamed plus "already canonical"; repeats left out)
    ("test:8080/foo", "test:8080/foo", ":latest"),
    ("test.com", "docker.io/library/test.com", ":latest"),
    ("library/foo", "docker.io/library/foo", ":latest"),
];

/// Invalid names and the error Go gives.
#[rustfmt::skip]
const REJECTED: &[(&str, ParseError)] = &[
    // normalize_test.go TestValidateReferenceName, invalid
    ("https://github.com/docker/docker", Format),
    ("docker/Docker", Uppercase),
    ("-docker", Format),
    ("-docker/docker", Format),
    ("-docker.io/docker/docker", Format),
    ("docker///docker", Format),
    ("docker.io/docker/Docker", Uppercase),
    ("docker.io/docker///docker", Format),
    ("[fc00::1]", Format),
    ("[fc00::1]:5000", Format),
    ("fc00::1:5000/debian", Format),
    ("[fe80::1%eth0]:5000/debian", Format),
    ("[2001:db8:3:4::192.0.2.33]:5000/debian", Format),
    ("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", HexIdentifier),
    // TestValidateRemoteName, invalid (the four repeats are above; "too long" is in length_limits)
    ("docker-/docker", Format),
    ("-docker-/docker", Format),
    ("____/____", Format),
    ("_docker/_docker", Format),
    ("dock..er/docker", Format),
    ("dock_.er/docker", Format),
    ("dock-.er/docker", Format),
    ("docker/", Format),
    // TestInvalidReferenceComponents
    ("-foo", Format),
    // TestParseAnyReference: an image ID, which ParseNormalizedNamed refuses as a name
    (dbcc!(), HexIdentifier),
    // this project's earlier vectors
    ("Nginx", Uppercase),
    ("nginx:", Format),
    ("a@sha256:12", Format),
    (":latest", Format),
    ("a//b", Format),
    ("-a", Format),
    ("a b", Format),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", HexIdentifier),
];

/// normalize_test.go TestParseRepositoryInfo: familiar, full and (if any) ambiguous spellings
/// of one repository; every spelling normalizes to the full one.
#[rustfmt::skip]
const REPOSITORY_INFO: &[(&str, &str, &str)] = &[
    ("fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar"),
    ("ubuntu", "docker.io/library/ubuntu", "library/ubuntu"),
    ("nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", ""),
    ("other/library", "docker.io/other/library", ""),
    ("127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", ""),
    ("127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", ""),
    ("example.com/private/moonbase", "example.com/private/moonbase", ""),
    ("example.com/privatebase", "example.com/privatebase", ""),
    ("example.com:8000/private/moonbase", "example.com:8000/private/moonbase", ""),
    ("example.com:8000/privatebasee", "example.com:8000/privatebasee", ""),
    ("ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "index.docker.io/library/ubuntu-12.04-base"),
    ("foo", "docker.io/library/foo", "docker.io/foo"),
    ("library/foo/bar", "docker.io/library/foo/bar", ""),
    ("store/foo/bar", "docker.io/store/foo/bar", ""),
    ("Foo/bar", "Foo/bar", ""),
    ("FOO/bar", "FOO/bar", ""),
];

/// reference_test.go TestReferenceParse, with ParseNormalizedNamed's answers: repository and
/// the rest of Display, or the error. The three length vectors are in `length_limits`.
#[rustfmt::skip]
const REFERENCE_PARSE: &[(&str, Want)] = &[
    ("test_com", Ok(("docker.io/library/test_com", ":latest"))),
    ("test.com:tag", Ok(("docker.io/library/test.com", ":tag"))),
    ("test.com:5000", Ok(("docker.io/library/test.com", ":5000"))),
    ("test.com/repo:tag", Ok(("test.com/repo", ":tag"))),
    ("test:5000/repo", Ok(("test:5000/repo", ":latest"))),
    ("test:5000/repo:tag", Ok(("test:5000/repo", ":tag"))),
    (concat!("test:5000/repo@sha256:", f64!()), Ok(("test:5000/repo", concat!("@sha256:", f64!())))),
    (concat!("test:5000/repo:tag@sha256:", f64!()), Ok(("test:5000/repo", concat!(":tag@sha256:", f64!())))),
    ("", Err(Empty)),
    (":justtag", Err(Format)),
    (concat!("@sha256:", f64!()), Err(Format)),
    ("repo@sha256:ffffffffffffffffffffffffffffffffff", Err(DigestInvalidLength)),
    (concat!("validname@invaliddigest:", f64!()), Err(DigestUnsupported)),
    ("Uppercase:tag", Err(Uppercase)),
    // Go's FIXME: an uppercase first component is a registry, so this one passes
    ("Uppercase/lowercase:tag", Ok(("Uppercase/lowercase", ":tag"))),
    ("test:5000/Uppercase/lowercase:tag", Err(Uppercase)),
    ("lowercase:Uppercase", Ok(("docker.io/library/lowercase", ":Uppercase"))),
    ("aa/asdf$$^/aa", Err(Format)),
    ("sub-dom1.foo.com/bar/baz/quux", Ok(("sub-dom1.foo.com/bar/baz/quux", ":latest"))),
    ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", Ok(("sub-dom1.foo.com/bar/baz/quux", ":some-long-tag"))),
    ("b.gcr.io/test.example.com/my-app:test.example.com", Ok(("b.gcr.io/test.example.com/my-app", ":test.example.com"))),
    ("xn--n3h.com/myimage:xn--n3h.com", Ok(("xn--n3h.com/myimage", ":xn--n3h.com"))),
    (concat!("xn--7o8h.com/myimage:xn--7o8h.com@sha512:", f64!(), f64!()), Ok(("xn--7o8h.com/myimage", concat!(":xn--7o8h.com@sha512:", f64!(), f64!())))),
    ("foo_bar.com:8080", Ok(("docker.io/library/foo_bar.com", ":8080"))),
    ("foo/foo_bar.com:8080", Ok(("docker.io/foo/foo_bar.com", ":8080"))),
    ("192.168.1.1", Ok(("docker.io/library/192.168.1.1", ":latest"))),
    ("192.168.1.1:tag", Ok(("docker.io/library/192.168.1.1", ":tag"))),
    ("192.168.1.1:5000", Ok(("docker.io/library/192.168.1.1", ":5000"))),
    ("192.168.1.1/repo", Ok(("192.168.1.1/repo", ":latest"))),
    ("192.168.1.1:5000/repo", Ok(("192.168.1.1:5000/repo", ":latest"))),
    ("192.168.1.1:5000/repo:5050", Ok(("192.168.1.1:5000/repo", ":5050"))),
    ("[2001:db8::1]", Err(Format)),
    ("[2001:db8::1]:5000", Err(Format)),
    ("[2001:db8::1]:tag", Err(Format)),
    ("[2001:db8::1]/repo", Ok(("[2001:db8::1]/repo", ":latest"))),
    ("[2001:db8:1:2:3:4:5:6]/repo:tag", Ok(("[2001:db8:1:2:3:4:5:6]/repo", ":tag"))),
    ("[2001:db8::1]:5000/repo", Ok(("[2001:db8::1]:5000/repo", ":latest"))),
    ("[2001:db8::1]:5000/repo:tag", Ok(("[2001:db8::1]:5000/repo", ":tag"))),
    (concat!("[2001:db8::1]:5000/repo@sha256:", f64!()), Ok(("[2001:db8::1]:5000/repo", concat!("@sha256:", f64!())))),
    (concat!("[2001:db8::1]:5000/repo:tag@sha256:", f64!()), Ok(("[2001:db8::1]:5000/repo", concat!(":tag@sha256:", f64!())))),
    ("[2001:db8::]:5000/repo", Ok(("[2001:db8::]:5000/repo", ":latest"))),
    ("[::1]:5000/repo", Ok(("[::1]:5000/repo", ":latest"))),
    ("[fe80::1%eth0]:5000/repo", Err(Format)),
    ("[fe80::1%@invalidzone]:5000/repo", Err(Format)),
];

/// derived from go-digest `Validate` and Go's `strings.ToLower`: digest and Unicode errors.
#[rustfmt::skip]
const DERIVED: &[(&str, Want)] = &[
    (concat!("foo@sha384:", f64!(), "ffffffffffffffffffffffffffffffff"), Ok(("docker.io/library/foo", concat!("@sha384:", f64!(), "ffffffffffffffffffffffffffffffff")))),
    (concat!("foo@sha512:", f64!()), Err(DigestInvalidLength)),
    ("foo@md5:ffffffffffffffffffffffffffffffff", Err(DigestUnsupported)),
    ("foo@sha256:fffffffffffffffffffffffffffffff", Err(Format)),
    ("foo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", Err(DigestInvalidFormat)),
    (concat!("foo:1@SHA256:", f64!()), Err(DigestInvalidFormat)),
    // without a tag, the path Go checks for case runs up to the digest's `:`
    (concat!("foo@SHA256:", f64!()), Err(Uppercase)),
    ("foo:\u{212a}", Err(Uppercase)),
    ("foo:\u{130}", Err(Uppercase)),
    ("\u{212a}.com/foo", Err(Uppercase)),
    ("docker.io/\u{212a}", Err(Uppercase)),
    ("\u{e9}/foo", Err(Format)),
    ("foo:\u{e9}", Err(Format)),
];

/// regexp_test.go TestDomainRegexp: does `domainAndPort` match the whole input?
#[rustfmt::skip]
const DOMAIN_REGEXP: &[(&str, bool)] = &[
    ("test.com", true),
    ("test.com:10304", true),
    ("test.com:http", false),
    ("localhost", true),
    ("localhost:8080", true),
    ("a", true),
    ("a.b", true),
    ("ab.cd.com", true),
    ("a-b.com", true),
    ("-ab.com", false),
    ("ab-.com", false),
    ("ab.c-om", true),
    ("ab.-com", false),
    ("ab.com-", false),
    ("0101.com", true),
    ("001a.com", true),
    ("b.gbc.io:443", true),
    ("b.gbc.io", true),
    ("xn--n3h.com", true),
    ("Asdf.com", true),
    ("192.168.1.1:75050", true),
    ("192.168.1.1:750050", true),
    ("[fd00:1:2::3]:75050", true),
    ("[fd00:1:2::3]75050", false),
    ("[fd00:1:2::3]::75050", false),
    ("[fd00:1:2::3%eth0]:75050", false),
    ("[fd00123123123]:75050", true),
    ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050", true),
    ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505", true),
    ("fd00:1:2::3:75050", false),
];

/// regexp_test.go TestFullNameRegexp: `Some((registry, path))` when the input is a name.
#[rustfmt::skip]
const NAME_REGEXP: &[(&str, Option<(&str, &str)>)] = &[
    ("", None),
    ("short", Some(("", "short"))),
    ("simple/name", Some(("simple", "name"))),
    ("library/ubuntu", Some(("library", "ubuntu"))),
    ("docker/stevvooe/app", Some(("docker", "stevvooe/app"))),
    ("aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb", Some(("aa", "aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb"))),
    ("aa/aa/bb/bb/bb", Some(("aa", "aa/bb/bb/bb"))),
    ("a/a/a/a", Some(("a", "a/a/a"))),
    ("a/a/a/a/", None),
    ("a//a/a", None),
    ("a", Some(("", "a"))),
    ("a/aa", Some(("a", "aa"))),
    ("a/aa/a", Some(("a", "aa/a"))),
    ("foo.com", Some(("", "foo.com"))),
    ("foo.com/", None),
    ("foo.com:8080/bar", Some(("foo.com:8080", "bar"))),
    ("foo.com:http/bar", None),
    ("foo.com/bar", Some(("foo.com", "bar"))),
    ("foo.com/bar/baz", Some(("foo.com", "bar/baz"))),
    ("localhost:8080/bar", Some(("localhost:8080", "bar"))),
    ("sub-dom1.foo.com/bar/baz/quux", Some(("sub-dom1.foo.com", "bar/baz/quux"))),
    ("blog.foo.com/bar/baz", Some(("blog.foo.com", "bar/baz"))),
    ("a^a", None),
    ("aa/asdf$$^/aa", None),
    ("asdf$$^/aa", None),
    ("aa-a/a", Some(("aa-a", "a"))),
    ("a-/a/a/a", None),
    ("foo.com/a-/a/a", None),
    ("-foo/bar", None),
    ("foo/bar-", None),
    ("foo-/bar", None),
    ("foo/-bar", None),
    ("_foo/bar", None),
    ("foo_bar", Some(("", "foo_bar"))),
    ("foo_bar.com", Some(("", "foo_bar.com"))),
    ("foo_bar.com:8080", None),
    ("foo_bar.com:8080/app", None),
    ("foo.com/foo_bar", Some(("foo.com", "foo_bar"))),
    ("____/____", None),
    ("_docker/_docker", None),
    ("docker_/docker_", None),
    ("b.gcr.io/test.example.com/my-app", Some(("b.gcr.io", "test.example.com/my-app"))),
    ("xn--n3h.com/myimage", Some(("xn--n3h.com", "myimage"))),
    ("xn--7o8h.com/myimage", Some(("xn--7o8h.com", "myimage"))),
    ("example.com/xn--7o8h.com/myimage", Some(("example.com", "xn--7o8h.com/myimage"))),
    ("example.com/some_separator__underscore/myimage", Some(("example.com", "some_separator__underscore/myimage"))),
    ("example.com/__underscore/myimage", None),
    ("example.com/..dots/myimage", None),
    ("example.com/.dots/myimage", None),
    ("example.com/nodouble..dots/myimage", None),
    ("docker./docker", None),
    (".docker/docker", None),
    ("docker-/docker", None),
    ("-docker/docker", None),
    ("do..cker/docker", None),
    ("do__cker:8080/docker", None),
    ("do__cker/docker", Some(("", "do__cker/docker"))),
    ("registry.io/foo/project--id.module--name.ver---sion--name", Some(("registry.io", "foo/project--id.module--name.ver---sion--name"))),
    ("Asdf.com/foo/bar", Some(("Asdf.com", "foo/bar"))),
    ("Foo/FarB", None),
];

/// regexp_test.go TestReferenceRegexp: `Some((name, tag, digest))` on a match.
#[rustfmt::skip]
const REFERENCE_REGEXP: &[(&str, Option<Groups>)] = &[
    ("registry.com:8080/myapp:tag", Some(("registry.com:8080/myapp", "tag", ""))),
    (concat!("registry.com:8080/myapp@sha256:", be17!()), Some(("registry.com:8080/myapp", "", concat!("sha256:", be17!())))),
    (concat!("registry.com:8080/myapp:tag2@sha256:", be17!()), Some(("registry.com:8080/myapp", "tag2", concat!("sha256:", be17!())))),
    ("registry.com:8080/myapp@sha256:badbadbadbad", None),
    ("registry.com:8080/myapp:invalid~tag", None),
    ("bad_hostname.com:8080/myapp:tag", None),
    (concat!("localhost:8080@sha256:", be17!()), Some(("localhost", "8080", concat!("sha256:", be17!())))),
    (concat!("localhost:8080/name@sha256:", be17!()), Some(("localhost:8080/name", "", concat!("sha256:", be17!())))),
    (concat!("localhost:http/name@sha256:", be17!()), None),
    (concat!("localhost@sha256:", be17!()), Some(("localhost", "", concat!("sha256:", be17!())))),
    ("registry.com:8080/myapp@bad", None),
    ("registry.com:8080/myapp@2bad", None),
];

/// regexp_test.go TestIdentifierRegexp.
#[rustfmt::skip]
const IDENTIFIER: &[(&str, bool)] = &[
    ("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", true),
    ("7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C", false),
    ("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf", false),
    ("sha256:da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", false),
    ("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482", false),
];

/// Every valid name normalizes as Go's tests say.
#[test]
fn normalized_names() {
    for &(input, repo, rest) in NORMALIZED {
        check(input, Ok((repo, rest)));
    }
}

/// Every invalid name fails with Go's error.
#[test]
fn rejected_names() {
    for &(input, ref err) in REJECTED {
        check(input, Err(err.clone()));
    }
}

/// Familiar, full and ambiguous spellings all normalize to the full one.
#[test]
fn repository_info() {
    for &(familiar, full, ambiguous) in REPOSITORY_INFO {
        for input in [familiar, full, ambiguous]
            .into_iter()
            .filter(|s| !s.is_empty())
        {
            check(input, Ok((full, ":latest")));
        }
    }
}

/// `Parse`'s vectors, read the way `ParseNormalizedNamed` reads them.
#[test]
fn reference_parse() {
    for (input, want) in REFERENCE_PARSE.iter().chain(DERIVED) {
        check(input, want.clone());
    }
}

/// The 255-byte limit counts the path (with `library/`), never the registry.
#[test]
fn length_limits() {
    let a = |n| "a".repeat(n);
    let a_slash = "a/".repeat(127);
    let namespace =
        ["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"; 4].join("_");
    // reference_test.go TestReferenceParse and TestWithNameFailure; TestValidateRemoteName
    check(&format!("domain/{}:tag", a(256)), Err(TooLong));
    let repo = format!("docker.io/{a_slash}a");
    check(
        &format!("{a_slash}a:tag-puts-this-over-max"),
        Ok((&repo, ":tag-puts-this-over-max")),
    );
    let repo = format!("example.com/{}", a(255));
    check(&format!("{repo}:tag"), Ok((&repo, ":tag")));
    check(&format!("example.com/{}", a(256)), Err(TooLong));
    check(&format!("{namespace}/docker"), Err(TooLong));
    // derived: `library/` counts, the registry does not
    let repo = format!("docker.io/library/{}", a(247));
    check(&a(247), Ok((&repo, ":latest")));
    check(&a(248), Err(TooLong));
    let repo = format!("{}.com/x", a(300));
    check(&repo, Ok((&repo, ":latest")));
}

/// Our grammar is Go's `domainAndPort` on its vectors.
#[test]
fn domain_regexp() {
    let domain = Regex::new(&format!("^{}$", domain_and_port())).expect("valid pattern");
    for &(input, want) in DOMAIN_REGEXP {
        assert_eq!(domain.is_match(input), want, "{input:?}");
    }
}

/// Our grammar, restricted to names, is Go's `anchoredNameRegexp`, registry split included.
#[test]
fn name_regexp() {
    let name = |s: &str| {
        let caps = REFERENCE
            .captures(s)
            .filter(|c| c.get(1).map(|m| m.as_str()) == Some(s))?;
        let registry = caps.get(2).map_or("", |m| m.as_str());
        Some((
            registry.to_owned(),
            s[registry.len() + usize::from(!registry.is_empty())..].to_owned(),
        ))
    };
    for &(input, want) in NAME_REGEXP {
        let want = want.map(|(r, p)| (r.to_owned(), p.to_owned()));
        assert_eq!(name(input), want, "{input:?}");
    }
    let long = format!("{}a", "a/".repeat(128));
    assert_eq!(name(&long), Some(("a".to_owned(), long[2..].to_owned())));
}

/// Our grammar is Go's `ReferenceRegexp` on its vectors, groups included.
#[test]
fn reference_regexp() {
    let group = |c: &regex::Captures<'_>, i| c.get(i).map_or("", |m| m.as_str()).to_owned();
    for &(input, want) in REFERENCE_REGEXP {
        let got = REFERENCE
            .captures(input)
            .map(|c| (group(&c, 1), group(&c, 3), group(&c, 4)));
        let want = want.map(|(n, t, d)| (n.to_owned(), t.to_owned(), d.to_owned()));
        assert_eq!(got, want, "{input:?}");
    }
}

/// Image IDs are refused as names; anything else is not an image ID.
#[test]
fn identifier() {
    for &(input, want) in IDENTIFIER {
        assert_eq!(is_identifier(input), want, "{input:?}");
        let refused = ImageRef::parse(input, DOCKER_HUB) == Err(HexIdentifier);
        assert_eq!(refused, want, "{input:?}");
    }
}

/// The examples of the normalization table in docs/allowlist.md (Image references).
#[rustfmt::skip]
const DOCUMENTED: &[(&str, &str, &str)] = &[
    ("nginx", "docker.io/library/nginx", ":latest"),
    ("bitnami/redis:7", "docker.io/bitnami/redis", ":7"),
    ("localhost:5000/a", "localhost:5000/a", ":latest"),
    ("reg.io:5000/team/app:1.0", "reg.io:5000/team/app", ":1.0"),
    (concat!("ghcr.io/acme/api@sha256:", f64!()), "ghcr.io/acme/api", concat!("@sha256:", f64!())),
    (concat!("busybox:1.36@sha256:", f64!()), "docker.io/library/busybox", concat!(":1.36@sha256:", f64!())),
];

/// The documented normalization table holds.
#[test]
fn documented_table() {
    for &(input, repo, rest) in DOCUMENTED {
        check(input, Ok((repo, rest)));
    }
}

/// `tag()` is `latest` only when neither tag nor digest is given.
#[test]
fn tag_and_digest() {
    let parts = |s: &str| {
        let r = ImageRef::parse(s, DOCKER_HUB).expect("valid");
        (r.tag().map(str::to_owned), r.digest().map(str::to_owned))
    };
    assert_eq!(parts("nginx"), (Some("latest".to_owned()), None));
    assert_eq!(parts("nginx:1.25"), (Some("1.25".to_owned()), None));
    assert_eq!(parts(&format!("nginx@{D}")), (None, Some(D.to_owned())));
    assert_eq!(
        parts(&format!("nginx:1.25@{D}")),
        (Some("1.25".to_owned()), Some(D.to_owned()))
    );
}

/// `split` cuts at the first `@` and the last `:` after the last `/`, validating nothing.
#[test]
fn split_parts() {
    let parts = Parts {
        name: "reg:5000/a/b",
        tag: Some("v1"),
        digest: Some("sha256:x"),
    };
    assert_eq!(split("reg:5000/a/b:v1@sha256:x"), parts);
    assert_eq!(split("reg:5000/a").tag, None);
    assert_eq!(split("gcr.io/p/**:v*").tag, Some("v*"));
    assert_eq!(split("registry.k8s.io/").name, "registry.k8s.io/");
}

/// With `quay.io` as the default registry: input and the normalized reference.
#[rustfmt::skip]
const OTHER_REGISTRY: &[(&str, &str)] = &[
    ("nginx", "quay.io/nginx:latest"),
    ("a/b:1", "quay.io/a/b:1"),
    ("docker.io/nginx", "docker.io/library/nginx:latest"),
    ("index.docker.io/nginx", "docker.io/library/nginx:latest"),
    ("localhost/nginx", "localhost/nginx:latest"),
];

/// `normalize_name`: name, default registry, result.
#[rustfmt::skip]
const NORMALIZE_NAME: &[(&str, &str, &str)] = &[
    ("nginx", "quay.io", "quay.io/nginx"),
    ("nginx", DOCKER_HUB, "docker.io/library/nginx"),
    ("index.docker.io/nginx", DOCKER_HUB, "docker.io/library/nginx"),
    ("docker.io/nginx", "quay.io", "docker.io/library/nginx"),
    ("team/app", DOCKER_HUB, "docker.io/team/app"),
    ("Foo/bar", DOCKER_HUB, "Foo/bar"),
];

/// Unqualified names go to the default registry; `library/` only on Docker Hub.
#[test]
fn default_registry_is_configurable() {
    for &(input, want) in OTHER_REGISTRY {
        let got = ImageRef::parse(input, "quay.io").map(|r| r.to_string());
        assert_eq!(got.as_deref(), Ok(want), "{input:?}");
    }
    for &(name, registry, want) in NORMALIZE_NAME {
        assert_eq!(
            normalize_name(name, registry),
            want,
            "{name:?} on {registry:?}"
        );
    }
}

/// Strings shaped like references, so that many of them parse.
const REFERENCE_LIKE: &str = "((localhost|[a-zA-Z0-9.-]{1,8})(:[0-9]{1,4})?/)?\
    ([a-z0-9]{1,4}([._-]{1,2}[a-z0-9]{1,4})?/){0,2}[a-z0-9]{1,6}(:[A-Za-z0-9_.-]{1,8})?\
    (@(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}|[a-z]{1,4}:[0-9a-fA-F]{30,40}))?";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Parsing never panics, and a parsed reference's Display parses back to itself.
    #[test]
    fn parse_round_trips(
        s in prop_oneof![any::<String>(), "[a-zA-Z0-9._:/@\\[\\]-]{0,40}", REFERENCE_LIKE],
        registry in prop_oneof![Just(DOCKER_HUB), Just("quay.io"), Just("localhost:5000")],
    ) {
        if let Ok(r) = ImageRef::parse(&s, registry) {
            prop_assert!(r.tag().is_some() || r.digest().is_some());
            prop_assert_eq!(ImageRef::parse(&r.to_string(), registry), Ok(r.clone()));
        }
    }
}

/// The memo gives what a fresh parse gives: for the same string under another default
/// registry (which empties it), again from the memo, and after it has started over.
#[test]
fn memo_is_transparent() {
    let image = "nginx:1.27";
    for registry in [DOCKER_HUB, "quay.io", DOCKER_HUB] {
        let fresh = ImageRef::parse_uncached(image, registry);
        assert_eq!(ImageRef::parse(image, registry), fresh, "{registry}");
        assert_eq!(
            ImageRef::parse(image, registry),
            fresh,
            "{registry}, remembered"
        );
    }
    for i in 0..=MEMO_MAX {
        let name = format!("app{i}:v1");
        assert_eq!(
            ImageRef::parse(&name, DOCKER_HUB),
            ImageRef::parse_uncached(&name, DOCKER_HUB)
        );
    }
    // Errors are remembered too.
    for _ in 0..2 {
        assert_eq!(ImageRef::parse("", DOCKER_HUB), Err(Empty));
        assert_eq!(ImageRef::parse("a b", DOCKER_HUB), Err(Format));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Remembered results are the results: whatever was parsed before on the thread, under
    /// whichever default registry.
    #[test]
    fn memo_agrees_with_a_fresh_parse(
        strings in proptest::collection::vec(
            prop_oneof![any::<String>(), REFERENCE_LIKE, Just("nginx".to_owned())],
            1..8,
        ),
        registries in proptest::collection::vec(
            prop_oneof![Just(DOCKER_HUB), Just("quay.io")],
            1..4,
        ),
    ) {
        for registry in registries {
            for s in &strings {
                prop_assert_eq!(
                    ImageRef::parse(s, registry),
                    ImageRef::parse_uncached(s, registry)
                );
            }
        }
    }
}
