//! How Falco reads strings and times, shared by Falco's rule (in the `rules` module) and Falco's
//! output formats (docs/falco.md).
//!
//! Every string Falco compares or prints went through a C string, so it ends at its first NUL
//! character ([`c_str`]); an image's repository, as Falco's `allowed_k8s_containers` compares it,
//! is the image cut at its first `:` and then at its first `@` ([`repository`]); and event times
//! are read with Go's RFC 3339 parser and printed as Falco prints them ([`time`]).

pub mod time;

/// `s` as Falco sees it after the C string boundary: up to its first NUL.
pub fn c_str(s: &str) -> &str {
    s.find('\0').map_or(s, |end| &s[..end])
}

/// Falco's repository of an image: cut at the first `:`, then at the first `@`
/// (`strings.Split(strings.Split(image, ":")[0], "@")[0]`), then at a NUL.
pub fn repository(image: &str) -> &str {
    let end = image.find([':', '@', '\0']).unwrap_or(image.len());
    &image[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_cut_at_the_first_colon_then_at_at() {
        assert_eq!(repository("nginx"), "nginx");
        assert_eq!(repository("nginx:1.25"), "nginx");
        assert_eq!(repository("nginx@sha256:abc"), "nginx");
        assert_eq!(
            repository("docker.io/library/nginx:1"),
            "docker.io/library/nginx"
        );
        assert_eq!(repository("reg:5000/app:1"), "reg");
        assert_eq!(repository("reg.io:5000/team/app@sha256:0"), "reg.io");
        assert_eq!(repository("a@b:c"), "a");
        assert_eq!(repository(""), "");
        assert_eq!(repository("nginx\0:evil"), "nginx");
    }

    #[test]
    fn strings_end_at_their_first_nul() {
        assert_eq!(c_str("a\0b\0c"), "a");
        assert_eq!(c_str("abc"), "abc");
        assert_eq!(c_str(""), "");
    }
}
