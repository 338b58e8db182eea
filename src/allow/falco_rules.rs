//! Falco rules files as allowlists.
//!
//! A Falco rules file is a YAML list of `rule`, `macro` and `list` items (several documents are
//! allowed). Falco's *Create Disallowed Pod* allows a pod when `allowed_k8s_containers` is true,
//! and the way users configure it is to override that macro:
//!
//! ```yaml
//! - list: my_images
//!   items: [docker.io/library/nginx, quay.io/acme/api]
//! - list: my_images
//!   append: true
//!   items: [registry.k8s.io/pause]
//! - macro: allowed_k8s_containers
//!   condition: (ka.req.pod.containers.image.repository in (my_images, busybox))
//! ```
//!
//! [`Rules`] collects such files the way the collector of Falco's rule loader does, in order and
//! across files: a list or macro defined again replaces the earlier one, and
//! `append: true` (or `override: {items: append}` / `{condition: append}`) extends it — a macro
//! by appending its condition text after a space. When a list's item names a list defined before
//! it, that list's items take its place (one level, as in Falco's `compile_list_infos`).
//! [`Rules::allowed_repositories`] then substitutes the lists into the final condition of
//! `allowed_k8s_containers` and reads it with [`super::condition`]: the values of its single
//! `ka.req.pod.containers.image.repository in (…)` are the allowlist. Any other condition is
//! refused, saying what is understood. Rules, other macros and `required_*` items are read only
//! as far as Falco itself validates them; unknown items are ignored, as Falco does (it warns).
//!
//! Errors name the file, line and column of the YAML node at fault. The YAML is read into
//! [`Value`]s, which keep no positions; a position is recovered only when there is an error, by
//! walking the document again along the node's path ([`locate`], shared with the rest of the
//! allowlist loader).

use std::collections::HashSet;

use serde::Deserialize;
use serde_yaml::Value;

use super::AllowError;
use super::condition::{self, Compared, CondError, Condition, FIELD};
use super::position::{Seg, locate};

/// The macro whose condition is the allowlist.
pub(super) const MACRO: &str = "allowed_k8s_containers";

/// The first keys of the items of a Falco rules file.
pub(super) const FALCO_KEYS: [&str; 5] = [
    "rule",
    "macro",
    "list",
    "required_engine_version",
    "required_plugin_versions",
];

/// Is `text` a Falco rules file: is its first YAML document a list holding a mapping with a
/// `rule`, `macro`, `list` or `required_*` key? When that document is not valid YAML, a line
/// starting with such an item (`- macro:`) decides, so that the YAML error is reported as one
/// in a rules file.
pub(super) fn is_rules_file(text: &str) -> bool {
    let Some(first) = serde_yaml::Deserializer::from_str(text).next() else {
        return false;
    };
    match Value::deserialize(first) {
        Ok(Value::Sequence(items)) => items.iter().filter_map(Value::as_mapping).any(|item| {
            item.keys()
                .filter_map(Value::as_str)
                .any(|key| FALCO_KEYS.contains(&key))
        }),
        Ok(_) => false,
        Err(_) => text.lines().any(|line| {
            line.strip_prefix("- ")
                .and_then(|rest| rest.split_once(':'))
                .is_some_and(|(key, _)| FALCO_KEYS.contains(&key.trim()))
        }),
    }
}

/// Where a node was written: which file, which document, and the path to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place {
    /// Index into the files read, in order.
    file: usize,
    /// Index of the YAML document in the file.
    doc: usize,
    /// From the document's root to the node.
    path: Vec<Seg>,
}

impl Place {
    /// A node below this one.
    fn at(&self, more: &[Seg]) -> Place {
        let mut path = self.path.clone();
        path.extend_from_slice(more);
        Place {
            file: self.file,
            doc: self.doc,
            path,
        }
    }
}

/// A repository the macro allows, and where it was written (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Repository {
    /// The value, as Falco compares it.
    pub text: String,
    /// Whether it names a repository or one whole image (`ka.req.container.image=…`).
    pub compared: Compared,
    /// The list item or condition it came from.
    pub place: Place,
}

/// One list item.
#[derive(Debug, Clone)]
struct Item {
    /// The scalar's text.
    text: String,
    /// Where it was written.
    place: Place,
}

/// A `- list:` as Falco's collector keeps it.
#[derive(Debug)]
struct ListInfo {
    /// The name.
    name: String,
    /// Every item, appended ones included, in order.
    items: Vec<Item>,
    /// When it was first defined (its position among lists, macros and rules).
    index: u32,
    /// When it was last defined or appended to.
    visibility: u32,
}

/// The current definition of `allowed_k8s_containers`.
#[derive(Debug)]
struct MacroInfo {
    /// The condition, appended conditions included.
    cond: String,
    /// The `condition` node of the last full definition.
    place: Place,
    /// How many conditions were appended since.
    appends: usize,
}

/// A file being read.
#[derive(Debug)]
struct File<'t> {
    /// The name used in messages.
    origin: &'t str,
    /// The text, kept to locate nodes.
    text: &'t str,
}

/// Lists and macros collected from one or more rules files, in order.
#[derive(Debug, Default)]
pub(super) struct Rules<'t> {
    /// The files read so far.
    files: Vec<File<'t>>,
    /// Every list, in order of first definition.
    lists: Vec<ListInfo>,
    /// The final `allowed_k8s_containers`.
    allowed: Option<MacroInfo>,
    /// The names of every macro defined (to refuse an append to none, as Falco does).
    macros: HashSet<String>,
    /// Falco's `m_cur_index`: one tick per definition or append.
    counter: u32,
}

impl<'t> Rules<'t> {
    /// Whether any rules file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// How many rules files were read.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Reads one rules file after those read before.
    pub fn read(&mut self, origin: &'t str, text: &'t str) -> Result<(), AllowError> {
        let file = self.files.len();
        self.files.push(File { origin, text });
        // Stop at the first error: after a syntax error the iterator never ends.
        for (doc, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
            let value = Value::deserialize(de)
                .map_err(|e| AllowError::from_yaml(origin, text, &e, None))?;
            let root = Place {
                file,
                doc,
                path: Vec::new(),
            };
            self.read_document(&root, &value)?;
        }
        Ok(())
    }

    /// The repositories `allowed_k8s_containers` allows: its final condition with every list
    /// substituted, read as `ka.req.pod.containers.image.repository in (…)`.
    pub fn allowed_repositories(&self) -> Result<Vec<Repository>, AllowError> {
        let Some(allowed) = &self.allowed else {
            let origin = self.files.last().map_or("", |f| f.origin);
            return Err(AllowError {
                origin: origin.to_owned(),
                location: None,
                message: format!("no `- macro: {MACRO}` in the Falco rules file"),
                pattern: None,
                hint: Some(format!(
                    "override it: `- macro: {MACRO}` with `condition: {FIELD} in (…)`"
                )),
            });
        };
        let lists = self.compiled_lists();
        let mut cond = allowed.cond.clone();
        for (name, items) in &lists {
            let texts: Vec<String> = items.iter().map(|i| i.text.clone()).collect();
            condition::expand_list(&mut cond, name, &texts);
        }
        let Condition { compared, values } =
            condition::parse(&cond).map_err(|e| self.condition_error(allowed, &cond, &e))?;
        Ok(values
            .into_iter()
            .map(|text| {
                let place = lists
                    .iter()
                    .flat_map(|(_, items)| items)
                    .find(|item| item.text == text)
                    .map_or_else(|| allowed.place.clone(), |item| item.place.clone());
                Repository {
                    text,
                    compared,
                    place,
                }
            })
            .collect())
    }

    /// The names of the lists the final `allowed_k8s_containers` condition reads, in order of
    /// definition: where its allowed repositories are to be written.
    pub fn lists_read(&self) -> Vec<&str> {
        let Some(allowed) = &self.allowed else {
            return Vec::new();
        };
        self.lists
            .iter()
            .map(|list| list.name.as_str())
            .filter(|name| condition::expand_list(&mut allowed.cond.clone(), name, &[]))
            .collect()
    }

    /// Every list with the lists its items name expanded, one level deep, as Falco's
    /// `compile_list_infos` does: an item names a list when a list of that name was first defined
    /// before this list's last definition or append.
    fn compiled_lists(&self) -> Vec<(&str, Vec<&Item>)> {
        self.lists
            .iter()
            .map(|list| {
                let mut items = Vec::with_capacity(list.items.len());
                for item in &list.items {
                    match self
                        .lists
                        .iter()
                        .find(|r| r.name == item.text && r.index < list.visibility)
                    {
                        Some(referenced) => items.extend(referenced.items.iter()),
                        None => items.push(item),
                    }
                }
                (list.name.as_str(), items)
            })
            .collect()
    }

    /// The error for a condition this tool does not understand.
    fn condition_error(&self, allowed: &MacroInfo, cond: &str, e: &CondError) -> AllowError {
        let column = cond[..e.at.min(cond.len())].chars().count() + 1;
        let expanded = if cond == allowed.cond {
            String::new()
        } else {
            " (lists expanded)".to_owned()
        };
        let appended = match allowed.appends {
            0 => String::new(),
            n => format!(" with {n} appended condition(s)"),
        };
        let message = format!(
            "the condition of macro `{MACRO}`{appended} is not understood at column {column}{expanded}: {}",
            e.message
        );
        let hint = if cond.contains("k8s_audit_always_true") {
            format!(
                "that is Falco's default, which allows every image; override `{MACRO}` in a later --allow file"
            )
        } else {
            format!(
                "understood: `{FIELD} in (REPO, …)` or `= REPO` (also `ka.req.container.image.repository`, and `ka.req.container.image` for whole images), optionally in parentheses, where a REPO may be a `- list:` name"
            )
        };
        self.error(&allowed.place, &message, Some(cond), Some(&hint))
    }

    /// An error about the node at `place`.
    pub fn error(
        &self,
        place: &Place,
        message: &str,
        pattern: Option<&str>,
        hint: Option<&str>,
    ) -> AllowError {
        let file = self.files.get(place.file);
        AllowError {
            origin: file.map_or("", |f| f.origin).to_owned(),
            location: file.and_then(|f| locate(f.text, place.doc, &place.path)),
            message: message.to_owned(),
            pattern: pattern.map(str::to_owned),
            hint: hint.map(str::to_owned),
        }
    }
}

mod items;

#[cfg(test)]
mod tests;
