//! Falco parity mode (SPEC §8): being written; until then `--falco` is not offered.

use crate::event::AuditEvent;
use crate::finding::{Finding, Policy};

/// Falco's selection and verdict for one event (not implemented yet: selects nothing).
pub fn consider(_ev: &AuditEvent<'_>, _policy: &Policy) -> Option<Option<Finding>> {
    None
}
