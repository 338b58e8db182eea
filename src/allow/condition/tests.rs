//! The macro condition as Falco reads it: list substitution, the one understood shape, and
//! what is refused.

use super::*;

fn items(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn expand(cond: &str, name: &str, list: &[&str]) -> String {
    let mut cond = cond.to_owned();
    expand_list(&mut cond, name, &items(list));
    cond
}

#[test]
fn lists_are_substituted_like_falco_does() {
    let field = "ka.req.pod.containers.image.repository";
    assert_eq!(
        expand(
            &format!("{field} in (my_images)"),
            "my_images",
            &["nginx", "apache"]
        ),
        format!("{field} in ( nginx, apache )")
    );
    assert_eq!(
        expand(
            &format!("{field} in (a, my_images, b)"),
            "my_images",
            &["x"]
        ),
        format!("{field} in (a, x , b)")
    );
    // Only whole names: `my_images_2` and `ka.my_images` are not `my_images`.
    let cond = format!("{field} in (my_images_2, x.my_images)");
    assert_eq!(expand(&cond, "my_images", &["x"]), cond);
    // An empty list takes a comma with it.
    assert_eq!(
        expand(&format!("{field} in (a, empty)"), "empty", &[]),
        format!("{field} in (a  )")
    );
    assert_eq!(
        expand(&format!("{field} in (empty, a)"), "empty", &[]),
        format!("{field} in (   a)")
    );
    // Items with a space are quoted.
    assert_eq!(expand("(l)", "l", &["a b", "c"]), "( \"a b\", c )");
    // Every occurrence, but Falco's search resumes one byte too far after a name at the very
    // start of the text, so a name right after it is left alone.
    assert_eq!(expand("(l, l)", "l", &["x"]), "( x , x )");
    assert_eq!(expand("l l", "l", &["x"]), "x l");
}

#[test]
fn the_understood_shape() {
    let ok = [
        (
            "ka.req.pod.containers.image.repository in (nginx)",
            vec!["nginx"],
        ),
        (
            "(ka.req.pod.containers.image.repository in (nginx))",
            vec!["nginx"],
        ),
        (
            " ( ( ka.req.pod.containers.image.repository in ( a , 'b c', \"d\\\"e\" ) ) ) ",
            vec!["a", "b c", "d\"e"],
        ),
        (
            "ka.req.pod.containers.image.repository in(reg:5000/app, docker.io/library/nginx@x)",
            vec!["reg:5000/app", "docker.io/library/nginx@x"],
        ),
        ("ka.req.pod.containers.image.repository in ()", vec![]),
        (
            "ka.req.pod.containers.image.repository\nin\n(\n  a,\n  b\n)\n",
            vec!["a", "b"],
        ),
        (
            "ka.req.pod.containers.image.repository in ('a\\ b')",
            vec!["a\\b"],
        ),
    ];
    for (cond, want) in ok {
        assert_eq!(
            parse(cond).map(|c| (c.compared, c.values)),
            Ok((Compared::Repository, items(&want))),
            "{cond}"
        );
    }
}

#[test]
fn everything_else_is_refused_with_its_position() {
    let refused = [
        ("(k8s_audit_always_true)", 1, "expected the field"),
        (
            "ka.req.container.image.tag in (a)",
            0,
            "`ka.req.container.image.tag` is not understood",
        ),
        (
            "ka.req.pod.containers.image.repository[0] in (a)",
            38,
            "field argument",
        ),
        (
            "ka.req.pod.containers.image.repository intersects (a)",
            39,
            "operator `in`",
        ),
        (
            "ka.req.pod.containers.image.repository == a",
            39,
            "operator `in`",
        ),
        (
            "ka.req.pod.containers.image.repository = ",
            41,
            "a value after `=`",
        ),
        (
            "ka.req.container.image=a or ka.req.container.image=b",
            25,
            "single",
        ),
        (
            "ka.req.pod.containers.image.repository in a",
            42,
            "expected `(`",
        ),
        (
            "ka.req.pod.containers.image.repository in (a b)",
            45,
            "expected `,` or `)`",
        ),
        (
            "ka.req.pod.containers.image.repository in (a,)",
            45,
            "after `,`",
        ),
        (
            "ka.req.pod.containers.image.repository in (a) or ka.req.pod.containers.image.repository in (b)",
            46,
            "single",
        ),
        (
            "not ka.req.pod.containers.image.repository in (a)",
            0,
            "expected the field",
        ),
        (
            "(ka.req.pod.containers.image.repository in (a)",
            46,
            "expected `)`",
        ),
        (
            "ka.req.pod.containers.image.repository in ('a)",
            43,
            "not closed",
        ),
        (
            "ka.req.pod.containers.image.repository in ('a\\q')",
            43,
            "unsupported escape",
        ),
        (
            "ka.req.pod.containers.image.repository in (\"a\\'\")",
            43,
            "unsupported escape",
        ),
    ];
    for (cond, at, message) in refused {
        let err = parse(cond).expect_err(cond);
        assert_eq!(err.at, at, "{cond}: {err:?}");
        assert!(err.message.contains(message), "{cond}: {err:?}");
    }
}

#[test]
fn falcos_engine_v4_forms_are_understood() {
    let ok = [
        (
            "(ka.req.container.image.repository=nginx)",
            Compared::Repository,
            vec!["nginx"],
        ),
        (
            "(ka.req.container.image=apache)",
            Compared::Image,
            vec!["apache"],
        ),
        (
            "ka.req.container.image.repository in (nginx, apache)",
            Compared::Repository,
            vec!["nginx", "apache"],
        ),
        (
            "( ka.req.container.image in ('apache:2.4', nginx) )",
            Compared::Image,
            vec!["apache:2.4", "nginx"],
        ),
        (
            "ka.req.pod.containers.image.repository = 'reg:5000/app'",
            Compared::Repository,
            vec!["reg:5000/app"],
        ),
        (
            "ka.req.pod.containers.image in (nginx:1.25)",
            Compared::Image,
            vec!["nginx:1.25"],
        ),
    ];
    for (cond, compared, want) in ok {
        assert_eq!(
            parse(cond).map(|c| (c.compared, c.values)),
            Ok((compared, items(&want))),
            "{cond}"
        );
    }
}
