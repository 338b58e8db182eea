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
//! [`Rules`] collects such files the way Falco's rule loader does, in order and across files
//! (`rule_loader_collector.cpp`): a list or macro defined again replaces the earlier one, and
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
use serde_yaml::{Mapping, Value};

use super::AllowError;
use super::condition::{self, CondError, FIELD};
use super::position::{Seg, locate};

/// The macro whose condition is the allowlist.
const MACRO: &str = "allowed_k8s_containers";

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

/// How an item changes an earlier definition of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Replace it (or define it for the first time).
    Define,
    /// Extend it.
    Append,
}

impl<'t> Rules<'t> {
    /// Whether any rules file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
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

    /// Reads the items of one document.
    fn read_document(&mut self, root: &Place, doc: &Value) -> Result<(), AllowError> {
        let items = match doc {
            Value::Null => return Ok(()),
            Value::Sequence(items) => items,
            _ => {
                return Err(self.error(
                    root,
                    "a Falco rules file is a list of `rule`, `macro` and `list` items",
                    None,
                    None,
                ));
            }
        };
        for (k, item) in items.iter().enumerate() {
            let place = root.at(&[Seg::Index(k)]);
            match item {
                Value::Null => {}
                Value::Mapping(item) => self.read_item(&place, item)?,
                _ => {
                    return Err(self.error(
                        &place,
                        "each item of a Falco rules file must be a mapping (`- list: …`, `- macro: …`, `- rule: …`)",
                        None,
                        None,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Reads one item, in the order of Falco's `read_item`.
    fn read_item(&mut self, place: &Place, item: &Mapping) -> Result<(), AllowError> {
        if item.contains_key("required_engine_version")
            || item.contains_key("required_plugin_versions")
        {
            Ok(())
        } else if item.contains_key("list") {
            self.read_list(place, item)
        } else if item.contains_key("macro") {
            self.read_macro(place, item)
        } else {
            // Rules are not this tool's business; unknown items only draw a warning in Falco.
            Ok(())
        }
    }

    /// Reads a `- list:` item.
    fn read_list(&mut self, place: &Place, item: &Mapping) -> Result<(), AllowError> {
        let name = self.name(place, item, "list")?;
        if name.is_empty() || !name.chars().all(is_bare) {
            return Err(self.error(
                &place.at(&[Seg::Key("list")]),
                "invalid list name",
                Some(&name),
                Some("a list name has no blanks, parentheses, quotes, `=` or `,`"),
            ));
        }
        let items_place = place.at(&[Seg::Key("items")]);
        let Some(Value::Sequence(values)) = item.get("items") else {
            let at = if item.contains_key("items") {
                &items_place
            } else {
                place
            };
            return Err(self.error(at, "a list needs `items:`, a sequence", Some(&name), None));
        };
        let mut items = Vec::with_capacity(values.len());
        for (j, value) in values.iter().enumerate() {
            let place = items_place.at(&[Seg::Index(j)]);
            let Some(text) = scalar(value) else {
                return Err(self.error(&place, "a list item must be a scalar", Some(&name), None));
            };
            items.push(Item { text, place });
        }
        let change = self.change(place, item, "items")?;
        self.counter += 1;
        let id = self.counter;
        let previous = self.lists.iter_mut().find(|l| l.name == name);
        match (change, previous) {
            (Change::Append, Some(list)) => {
                list.items.extend(items);
                list.visibility = id;
            }
            (Change::Append, None) => {
                return Err(self.error(
                    place,
                    "`append` to a list that is not defined before",
                    Some(&name),
                    Some("define the list first (in this file or an earlier --allow file)"),
                ));
            }
            (Change::Define, Some(list)) => {
                list.items = items;
                list.visibility = id;
            }
            (Change::Define, None) => self.lists.push(ListInfo {
                name,
                items,
                index: id,
                visibility: id,
            }),
        }
        Ok(())
    }

    /// Reads a `- macro:` item; only `allowed_k8s_containers` is kept.
    fn read_macro(&mut self, place: &Place, item: &Mapping) -> Result<(), AllowError> {
        let name = self.name(place, item, "macro")?;
        if !is_identifier(&name) {
            return Err(self.error(
                &place.at(&[Seg::Key("macro")]),
                "invalid macro name",
                Some(&name),
                Some("a macro name is a letter, then letters, digits or `_`"),
            ));
        }
        let cond_place = place.at(&[Seg::Key("condition")]);
        let cond = match item.get("condition") {
            Some(value) => scalar(value).filter(|c| !c.is_empty()).ok_or_else(|| {
                self.error(
                    &cond_place,
                    "a macro's `condition` must be a non-empty string",
                    Some(&name),
                    None,
                )
            })?,
            None => {
                return Err(self.error(place, "a macro needs a `condition`", Some(&name), None));
            }
        };
        let change = self.change(place, item, "condition")?;
        self.counter += 1;
        if change == Change::Append && !self.macros.contains(&name) {
            return Err(self.error(
                place,
                "`append` to a macro that is not defined before",
                Some(&name),
                None,
            ));
        }
        self.macros.insert(name.clone());
        if name != MACRO {
            return Ok(());
        }
        match (change, &mut self.allowed) {
            (Change::Append, Some(allowed)) => {
                allowed.cond.push(' ');
                allowed.cond.push_str(&cond);
                allowed.appends += 1;
            }
            _ => {
                self.allowed = Some(MacroInfo {
                    cond,
                    place: cond_place,
                    appends: 0,
                });
            }
        }
        Ok(())
    }

    /// The name under `key` (`list` or `macro`): a non-empty scalar.
    fn name(&self, place: &Place, item: &Mapping, key: &'static str) -> Result<String, AllowError> {
        item.get(key)
            .and_then(scalar)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                self.error(
                    &place.at(&[Seg::Key(key)]),
                    &format!("a `{key}` item needs a name"),
                    None,
                    None,
                )
            })
    }

    /// `append: true` or `override: {FIELD: append|replace}` (not both, as in Falco).
    fn change(&self, place: &Place, item: &Mapping, field: &str) -> Result<Change, AllowError> {
        let append = match item.get("append") {
            None => false,
            Some(value) => yaml_cpp_bool(value).ok_or_else(|| {
                self.error(
                    &place.at(&[Seg::Key("append")]),
                    "`append` must be true or false",
                    None,
                    None,
                )
            })?,
        };
        let Some(overrides) = item.get("override") else {
            return Ok(if append {
                Change::Append
            } else {
                Change::Define
            });
        };
        let override_place = place.at(&[Seg::Key("override")]);
        if append {
            return Err(self.error(
                place,
                "`override` and `append: true` cannot be used together",
                None,
                None,
            ));
        }
        let Value::Mapping(overrides) = overrides else {
            return Err(self.error(
                &override_place,
                &format!("`override` must be a mapping such as `{{{field}: append}}`"),
                None,
                None,
            ));
        };
        let mut change = Change::Define;
        for (key, how) in overrides {
            let (key, how) = (
                scalar(key).unwrap_or_default(),
                scalar(how).unwrap_or_default(),
            );
            if key != field {
                return Err(self.error(
                    &override_place,
                    &format!("`{key}` cannot be overridden here, only `{field}`"),
                    None,
                    None,
                ));
            }
            change = match how.as_str() {
                "append" => Change::Append,
                "replace" => Change::Define,
                _ => {
                    return Err(self.error(
                        &override_place,
                        &format!("invalid override operation for `{key}`: `{how}`; allowed values are append and replace"),
                        None,
                        None,
                    ));
                }
            };
        }
        Ok(change)
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
        let values =
            condition::parse(&cond).map_err(|e| self.condition_error(allowed, &cond, &e))?;
        Ok(values
            .into_iter()
            .map(|text| {
                let place = lists
                    .iter()
                    .flat_map(|(_, items)| items)
                    .find(|item| item.text == text)
                    .map_or_else(|| allowed.place.clone(), |item| item.place.clone());
                Repository { text, place }
            })
            .collect())
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
                "understood: `{FIELD} in (REPO, …)`, optionally in parentheses, where a REPO may be a `- list:` name"
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

/// A scalar's text (yaml-cpp reads every scalar as a string); `None` for null, sequences and
/// mappings.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(tagged) => scalar(&tagged.value),
        Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

/// A boolean the way yaml-cpp converts one (`true`, `yes`, `on`, `y`, … in three casings).
fn yaml_cpp_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.as_str() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
                Some(true)
            }
            "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off"
            | "OFF" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A character of a bare string (libsinsp's `[^()"'[:space:]=,]`).
fn is_bare(c: char) -> bool {
    !matches!(
        c,
        '(' | ')' | '"' | '\'' | '=' | ',' | ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'
    )
}

/// libsinsp's identifier: `[a-zA-Z]+[a-zA-Z0-9_]*`.
fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
