//! Who may see which cases: the one place that turns a signed-in user into the condition every
//! case query carries, so scoping is enforced by the query itself (search, lists, exports and
//! single-case reads alike) rather than by checking rows after loading them.

use recoup_core::role::Role;

/// The signed-in user as far as data scoping is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub username: String,
    pub role: Role,
    /// The agency of an agency user.
    pub agency: Option<String>,
}

/// A SQL condition on the `collection_case` table (under the alias given to
/// [`Access::case_condition`]) and the values to bind to its placeholders, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCondition {
    pub sql: String,
    pub binds: Vec<String>,
}

impl Access {
    /// The cases this user may see:
    /// - admin, manager and compliance: every case;
    /// - collector and field agent: the cases assigned to them;
    /// - legal: cases in the legal stage, and any assigned to them;
    /// - recovery: cases in asset preservation, and any assigned to them;
    /// - agency: the cases placed with their agency (none without an agency).
    pub fn case_condition(&self, alias: &str) -> CaseCondition {
        let own = |extra: Option<&str>| {
            let sql = match extra {
                Some(stage) => format!("({alias}.stage = '{stage}' OR {alias}.assignee = ?)"),
                None => format!("{alias}.assignee = ?"),
            };
            CaseCondition {
                sql,
                binds: vec![self.username.clone()],
            }
        };
        match self.role {
            Role::Admin | Role::Manager | Role::Compliance => CaseCondition {
                sql: "1 = 1".to_string(),
                binds: Vec::new(),
            },
            Role::Collector | Role::FieldAgent => own(None),
            Role::Legal => own(Some("legal")),
            Role::Recovery => own(Some("asset_preservation")),
            Role::Agency => match &self.agency {
                Some(agency) => CaseCondition {
                    sql: format!("{alias}.agency = ?"),
                    binds: vec![agency.clone()],
                },
                None => CaseCondition {
                    sql: "1 = 0".to_string(),
                    binds: Vec::new(),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(role: Role, agency: Option<&str>) -> Access {
        Access {
            username: "u1".into(),
            role,
            agency: agency.map(str::to_string),
        }
    }

    #[test]
    fn every_role_gets_a_condition_with_matching_binds() {
        for role in Role::ALL {
            let c = access(role, Some("华信")).case_condition("c");
            assert_eq!(c.sql.matches('?').count(), c.binds.len(), "{role:?}");
        }
        assert_eq!(
            access(Role::Collector, None).case_condition("c").sql,
            "c.assignee = ?"
        );
        assert_eq!(access(Role::Agency, None).case_condition("c").sql, "1 = 0");
        assert_eq!(
            access(Role::Agency, Some("华信")).case_condition("x").binds,
            vec!["华信".to_string()]
        );
    }
}
