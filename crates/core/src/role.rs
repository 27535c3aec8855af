//! Roles and permissions: who a user is in the collection operation and what that lets them do.
//!
//! Every user has exactly one role. What a role may do is one table, [`Role::allows`], so the
//! permission matrix can be read (and tested) in one place; the server asks it for every
//! request. Deny beats allow: a permission not listed for a role is refused.

use std::fmt;

/// A user's role. The code (`Role::code`) is what is stored and sent over the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the system: creates users, reads the audit trail. Sees everything.
    Admin,
    /// Team lead or collection manager: assigns work, approves plans and waivers within limits,
    /// watches the KPIs, edits strategy.
    Manager,
    /// Collector (催收员): works a queue of assigned cases by phone, SMS and notes; takes
    /// promises to pay and proposes plans.
    Collector,
    /// Field agent (外访员): plans and records home and work visits, locates vehicles; sees only
    /// the visits assigned to them.
    FieldAgent,
    /// Legal officer: demand letters, lawsuits, judgments, enforcement.
    Legal,
    /// Recovery / asset team: vehicle location, repossession, storage, valuation and sale.
    Recovery,
    /// Compliance officer: contact rules, language QA, the audit of who saw which borrower data.
    Compliance,
    /// A user of an outside collection agency (委外催收公司): sees only the accounts placed with
    /// that agency.
    Agency,
}

/// Something a user may be allowed to do. Part of the API contract: adding one is additive,
/// changing which roles hold one is a policy change to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// List and create users.
    ManageUsers,
    /// Read the audit trail and verify its hash chain.
    ReadAudit,
    /// Read the portfolio, roll-rate, strategy and compliance reports (the dashboard).
    ViewReports,
    /// Request a repayment plan or a waiver on a case in scope.
    RequestPlans,
    /// See the approval inbox and approve or reject plans and waivers (within the amount
    /// limits of `[approvals]`, never one's own request).
    ApprovePlans,
    /// Send an SMS from a template to a case's borrower (through the compliance guard).
    SendSms,
    /// Place a call to a case's borrower through the dialer (through the compliance guard).
    PlaceCalls,
    /// See the work queue and open case files (always limited to the cases the user's scope
    /// covers; see `recoup_store::Access`).
    ViewCases,
    /// Work a case: log contacts, take promises to pay, write notes.
    WorkCases,
    /// Reveal a case's unmasked personal data, with a reason, journaled. This is the default
    /// set; `[cases] reveal_roles` in recoup.toml can narrow or widen it.
    RevealPii,
    /// Reassign cases in bulk.
    AssignCases,
}

/// The text does not name a role; the message lists the codes that do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a role (expected one of: {})", Role::codes().join(", "))]
pub struct UnknownRole {
    pub given: String,
}

impl Role {
    /// Every role, in the order used for listings.
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Manager,
        Role::Collector,
        Role::FieldAgent,
        Role::Legal,
        Role::Recovery,
        Role::Compliance,
        Role::Agency,
    ];

    /// The stored and wire form: `admin`, `manager`, `collector`, `field_agent`, `legal`,
    /// `recovery`, `compliance`, `agency`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Collector => "collector",
            Role::FieldAgent => "field_agent",
            Role::Legal => "legal",
            Role::Recovery => "recovery",
            Role::Compliance => "compliance",
            Role::Agency => "agency",
        }
    }

    /// Parses a role code (exact, lower case; `field-agent` is accepted for `field_agent`).
    pub fn parse(text: &str) -> Result<Role, UnknownRole> {
        let normalized = text.replace('-', "_");
        Role::ALL
            .into_iter()
            .find(|role| role.code() == normalized)
            .ok_or_else(|| UnknownRole {
                given: text.to_string(),
            })
    }

    /// All role codes, for messages and documentation.
    pub fn codes() -> Vec<&'static str> {
        Role::ALL.into_iter().map(Role::code).collect()
    }

    /// One line on what the role is for, for listings and docs.
    pub fn meaning(self) -> &'static str {
        match self {
            Role::Admin => "runs the system: users, settings, the audit trail",
            Role::Manager => "assigns work, approves plans and waivers, watches KPIs",
            Role::Collector => "works assigned cases: calls, SMS, notes, promises to pay",
            Role::FieldAgent => "plans and records field visits, locates vehicles",
            Role::Legal => "demand letters, lawsuits, judgments, enforcement",
            Role::Recovery => "vehicle location, repossession, storage and sale",
            Role::Compliance => "contact rules, language QA, audit of data access",
            Role::Agency => "outside agency: only the accounts placed with its agency",
        }
    }

    /// Whether users with this role belong to an outside agency (and must name it).
    pub fn is_agency(self) -> bool {
        self == Role::Agency
    }

    /// The permission matrix. Deny beats allow: anything not listed here is refused.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::ManageUsers => matches!(self, Role::Admin),
            Permission::ReadAudit => matches!(self, Role::Admin | Role::Compliance),
            Permission::ViewReports => {
                matches!(self, Role::Admin | Role::Manager | Role::Compliance)
            }
            Permission::RequestPlans => matches!(
                self,
                Role::Admin | Role::Manager | Role::Collector | Role::FieldAgent | Role::Agency
            ),
            Permission::ApprovePlans => matches!(self, Role::Admin | Role::Manager),
            Permission::SendSms | Permission::PlaceCalls => matches!(
                self,
                Role::Admin | Role::Manager | Role::Collector | Role::Agency
            ),
            Permission::ViewCases => true,
            Permission::WorkCases => matches!(
                self,
                Role::Manager
                    | Role::Collector
                    | Role::FieldAgent
                    | Role::Legal
                    | Role::Recovery
                    | Role::Agency
            ),
            Permission::RevealPii => matches!(
                self,
                Role::Manager | Role::Collector | Role::FieldAgent | Role::Legal | Role::Recovery
            ),
            Permission::AssignCases => matches!(self, Role::Manager),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Permission {
    /// Every permission, for matrix tests and docs.
    pub const ALL: [Permission; 11] = [
        Permission::ManageUsers,
        Permission::ReadAudit,
        Permission::ViewReports,
        Permission::RequestPlans,
        Permission::ApprovePlans,
        Permission::SendSms,
        Permission::PlaceCalls,
        Permission::ViewCases,
        Permission::WorkCases,
        Permission::RevealPii,
        Permission::AssignCases,
    ];

    /// A short code for error messages and logs.
    pub fn code(self) -> &'static str {
        match self {
            Permission::ManageUsers => "manage_users",
            Permission::ReadAudit => "read_audit",
            Permission::ViewReports => "view_reports",
            Permission::RequestPlans => "request_plans",
            Permission::ApprovePlans => "approve_plans",
            Permission::SendSms => "send_sms",
            Permission::PlaceCalls => "place_calls",
            Permission::ViewCases => "view_cases",
            Permission::WorkCases => "work_cases",
            Permission::RevealPii => "reveal_pii",
            Permission::AssignCases => "assign_cases",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_parses_back_to_its_role() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(role), "{role}");
            assert!(!role.meaning().is_empty());
        }
        assert_eq!(Role::parse("field-agent"), Ok(Role::FieldAgent));
    }

    #[test]
    fn unknown_roles_are_refused_with_the_valid_codes() {
        for text in ["", "Admin", "root", "collector ", "超级管理员"] {
            let error = Role::parse(text).unwrap_err();
            assert!(error.to_string().contains("field_agent"), "{error}");
        }
    }

    #[test]
    fn only_admins_manage_users_and_only_admins_and_compliance_read_the_audit() {
        let managers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::ManageUsers))
            .collect();
        assert_eq!(managers, vec![Role::Admin]);
        let auditors: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::ReadAudit))
            .collect();
        assert_eq!(auditors, vec![Role::Admin, Role::Compliance]);
    }

    #[test]
    fn admins_managers_and_compliance_view_the_reports() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::ViewReports))
            .collect();
        assert_eq!(readers, vec![Role::Admin, Role::Manager, Role::Compliance]);
    }

    #[test]
    fn agencies_never_reveal_and_only_managers_reassign() {
        assert!(!Role::Agency.allows(Permission::RevealPii));
        assert!(!Role::Compliance.allows(Permission::WorkCases));
        let assigners: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::AssignCases))
            .collect();
        assert_eq!(assigners, vec![Role::Manager]);
        assert!(Role::ALL.iter().all(|r| r.allows(Permission::ViewCases)));
    }
}
