//! Roles, from least to most trusted: each may do what the ones below it may.

use std::fmt;

/// What a caller may do. Ordered, so "at least operator" is `role >= Operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    /// Read routes (when `auth.protect_reads` closes them).
    Viewer,
    /// Runbook actions, incident ack and resolve, the audit log.
    Operator,
    /// Chaos, fault injection and everything an operator may do.
    Admin,
}

impl Role {
    pub const NAMES: &'static str = "viewer, operator, admin";

    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_order() {
        for role in [Role::Viewer, Role::Operator, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
    }
}
