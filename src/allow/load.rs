//! Loading allowlists: files to the compiled [`Allowlist`].
//!
//! Each file is read in full ([`file::read`]) and sorted by its form: a Falco rules file
//! ([`falco_rules::is_rules_file`]) joins the other rules files, read together in order the way
//! Falco loads them; any other file is the full form or a bare list ([`super::schema`]). The patterns of
//! every file add up, global patterns in file order, then the rules files' repositories (as
//! patterns, or in Falco parity mode as literal strings only). The literal set for `--falco`
//! ([`FalcoLiterals`]) is gathered on the way.

use std::path::{Path, PathBuf};

use globset::GlobSetBuilder;

use super::condition::Compared;
use super::falco_rules::{self, Rules};
use super::pattern::compile_pattern;
use super::schema::{Parsed, parse_patterns};
use super::{AllowError, Allowlist, FalcoLiterals, PatternSet, file};

impl Allowlist {
    /// Reads and compiles `path`; errors name the file, line, column and the offending pattern.
    pub fn load(path: &Path, default_registry: &str) -> anyhow::Result<Allowlist> {
        Self::load_all(&[path.to_path_buf()], default_registry, false)
    }

    /// Reads and compiles several files, in order (see [`crate::allow`]). With `falco` (Falco
    /// parity mode), the repositories of Falco rules files are kept as literal strings only.
    pub fn load_all(
        paths: &[PathBuf],
        default_registry: &str,
        falco: bool,
    ) -> anyhow::Result<Allowlist> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let text = file::read(path)?;
            files.push((path.display().to_string(), text));
        }
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(o, t)| (o.as_str(), t.as_str()))
            .collect();
        Ok(Self::parse_all(&files, default_registry, falco)?)
    }

    /// Same as [`Allowlist::load`] from text; `origin` is the name used in error messages.
    pub fn parse(
        text: &str,
        origin: &str,
        default_registry: &str,
    ) -> Result<Allowlist, AllowError> {
        Self::parse_all(&[(origin, text)], default_registry, false)
    }

    /// Same as [`Allowlist::load_all`] from `(origin, text)` pairs.
    pub fn parse_all(
        files: &[(&str, &str)],
        default_registry: &str,
        falco: bool,
    ) -> Result<Allowlist, AllowError> {
        let mut parsed = Parsed::default();
        let mut literals = Vec::new();
        let mut warnings = Vec::new();
        let mut rules = Rules::default();
        for &(origin, text) in files {
            if falco_rules::is_rules_file(text) {
                rules.read(origin, text)?;
                continue;
            }
            let one = parse_patterns(text, origin, default_registry)?;
            literals.extend(one.global.iter().map(|c| c.pattern.text.clone()));
            parsed.global.extend(one.global);
            parsed.namespaces.extend(one.namespaces);
        }
        let mut uncompiled = 0;
        if !rules.is_empty() {
            for repository in rules.allowed_repositories()? {
                if falco {
                    uncompiled += 1;
                } else {
                    let text = match repository.compared {
                        Compared::Repository => repository.text.clone(),
                        Compared::Image => exact_image(&repository.text, default_registry),
                    };
                    match compile_pattern(&text, default_registry) {
                        Ok(compiled) => parsed.global.push(compiled),
                        // Falco accepts it; refusing the whole file would refuse what Falco
                        // runs with. It is kept for --falco, and matches nothing here.
                        Err(p) => {
                            let at = rules.error(
                                &repository.place,
                                &p.message,
                                p.pattern.as_deref(),
                                p.hint.as_deref(),
                            );
                            warnings.push(format!(
                                "{at}; Falco accepts this item, so the file is read without \
                                 it: it matches nothing after normalization here (it is still \
                                 compared as written with --falco)"
                            ));
                        }
                    }
                }
                literals.push(repository.text);
            }
        }
        let origin = files.first().map_or("", |&(origin, _)| origin);
        let mut allowlist =
            Self::build(parsed, literals, uncompiled).map_err(|err| AllowError {
                origin: origin.to_owned(),
                location: None,
                message: format!("cannot compile the allowlist: {err}"),
                pattern: None,
                hint: None,
            })?;
        allowlist.warnings = warnings;
        if !files.is_empty() && allowlist.is_empty() {
            let names: Vec<&str> = files.iter().map(|&(origin, _)| origin).collect();
            allowlist.warnings.push(format!(
                "{}: the allowlist allows no image (no pattern in it), so every pod request \
                 will be a finding; {}",
                names.join(", "),
                empty_advice(&rules, files.len())
            ));
        }
        Ok(allowlist)
    }

    /// Builds the glob sets of every pattern list.
    fn build(
        parsed: Parsed,
        literals: Vec<String>,
        uncompiled: usize,
    ) -> Result<Allowlist, globset::Error> {
        let global = PatternSet::build(parsed.global)?;
        let mut globs = GlobSetBuilder::new();
        let mut namespaces = Vec::with_capacity(parsed.namespaces.len());
        for (glob, patterns) in parsed.namespaces {
            globs.add(glob);
            namespaces.push(PatternSet::build(patterns)?);
        }
        Ok(Allowlist {
            global,
            namespace_globs: globs.build()?,
            namespaces,
            falco: FalcoLiterals::new(literals),
            uncompiled,
            warnings: Vec::new(),
        })
    }
}

/// Where to write the allowed images of an allowlist that allows none: in a Falco rules file,
/// the list (or lists) its `allowed_k8s_containers` condition reads, else that condition
/// itself; in this tool's own form, under `images:`. `files` counts every file read, rules
/// files included.
fn empty_advice(rules: &Rules<'_>, files: usize) -> String {
    let own = "write the allowed images under `images:`";
    if rules.is_empty() {
        return own.to_owned();
    }
    let macro_name = falco_rules::MACRO;
    let lists: Vec<String> = rules
        .lists_read()
        .iter()
        .map(|name| format!("`- list: {name}`"))
        .collect();
    let falco = if lists.is_empty() {
        format!(
            "write the allowed repositories in the condition of `- macro: {macro_name}` \
             (`{} in (REPO, …)`), which Falco's rule reads",
            super::condition::FIELD
        )
    } else {
        format!(
            "write the allowed repositories in the `items:` of {}, which the condition of \
             `- macro: {macro_name}` reads",
            lists.join(" or ")
        )
    };
    if rules.file_count() < files {
        format!("{falco}, or {own}")
    } else {
        falco
    }
}

/// The pattern that allows exactly the image `image` (a Falco condition `ka.req.container.image=…`
/// compares whole images): its tag or digest kept, and a missing tag made `latest`, as a
/// runtime resolves it. An invalid image is returned as written, for the pattern's refusal.
fn exact_image(image: &str, default_registry: &str) -> String {
    let parts = crate::image::split(image);
    let valid = crate::image::ImageRef::parse(image, default_registry).is_ok();
    if valid && parts.tag.is_none() && parts.digest.is_none() {
        format!("{image}:latest")
    } else {
        image.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use crate::image::DOCKER_HUB;

    use super::*;

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("allow.yaml");
        std::fs::write(&path, "- nginx\n- 'x*'\n").expect("write");
        let err = Allowlist::load(&path, DOCKER_HUB).expect_err("invalid");
        assert!(
            format!("{err:#}").starts_with(&format!("{}:2:3: ", path.display())),
            "{err:#}"
        );
        std::fs::write(&path, "\u{feff}images: [nginx]\n").expect("write");
        assert_eq!(
            Allowlist::load(&path, DOCKER_HUB)
                .expect("BOM is fine")
                .len(),
            1
        );
        let err =
            Allowlist::load(&dir.path().join("missing.yaml"), DOCKER_HUB).expect_err("missing");
        assert!(
            format!("{err:#}").starts_with("cannot read the allowlist "),
            "{err:#}"
        );
    }

    #[test]
    fn an_empty_falco_rules_allowlist_says_where_falco_reads_the_images() {
        let through_list = "- list: my_images\n  items: []\n- macro: allowed_k8s_containers\n  \
                            condition: ka.req.pod.containers.image.repository in (my_images)\n";
        let inline = "- macro: allowed_k8s_containers\n  \
                      condition: ka.req.pod.containers.image.repository in ()\n";
        let warning = |files: &[(&str, &str)]| {
            let list = Allowlist::parse_all(files, DOCKER_HUB, false).expect("valid");
            assert!(list.is_empty());
            let warnings = list.warnings();
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            warnings[0].clone()
        };
        let w = warning(&[("rules.yaml", through_list)]);
        assert!(
            w.starts_with("rules.yaml: the allowlist allows no image"),
            "{w}"
        );
        assert!(w.contains("`items:` of `- list: my_images`"), "{w}");
        assert!(w.contains("`- macro: allowed_k8s_containers`"), "{w}");
        assert!(!w.contains("`images:`"), "{w}");
        let w = warning(&[("rules.yaml", inline)]);
        assert!(
            w.contains("in the condition of `- macro: allowed_k8s_containers`"),
            "{w}"
        );
        assert!(!w.contains("`images:`") && !w.contains("- list:"), "{w}");
        // With a file of this tool's own form too, either place would do.
        let w = warning(&[("allow.yaml", "images: []\n"), ("rules.yaml", through_list)]);
        assert!(w.contains("`- list: my_images`"), "{w}");
        assert!(
            w.ends_with("or write the allowed images under `images:`"),
            "{w}"
        );
    }

    #[test]
    fn an_allowlist_that_allows_nothing_warns() {
        for text in ["", "# nothing yet\n", "images:\n", "images: []\n", "[]\n"] {
            let list = Allowlist::parse(text, "allow.yaml", DOCKER_HUB).expect(text);
            assert!(list.is_empty(), "{text:?}");
            let warnings = list.warnings();
            assert_eq!(warnings.len(), 1, "{text:?}: {warnings:?}");
            assert!(
                warnings[0].starts_with("allow.yaml: the allowlist allows no image"),
                "{warnings:?}"
            );
        }
        let list = Allowlist::parse("images: [nginx]\n", "allow.yaml", DOCKER_HUB).expect("valid");
        assert!(list.warnings().is_empty());
        let list = Allowlist::parse("namespaces:\n  dev: [nginx]\n", "a", DOCKER_HUB).expect("ok");
        assert!(list.warnings().is_empty());
    }
}
