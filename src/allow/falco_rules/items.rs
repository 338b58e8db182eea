//! Reading the items of a Falco rules file the way Falco's rule loader does: `- list:` and
//! `- macro:` definitions, their `append` and `override`, and the yaml-cpp and libsinsp rules
//! for scalars, booleans and names. What the items amount to is worked out in the parent module.

use serde_yaml::{Mapping, Value};

use crate::allow::AllowError;
use crate::allow::position::Seg;

use super::{Item, ListInfo, MACRO, MacroInfo, Place, Rules};

/// How an item changes an earlier definition of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Replace it (or define it for the first time).
    Define,
    /// Extend it.
    Append,
}

impl Rules<'_> {
    /// Reads the items of one document.
    pub(super) fn read_document(&mut self, root: &Place, doc: &Value) -> Result<(), AllowError> {
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
