//! Wire types shared by several resources. They are the protocol: the web UI and API clients
//! see exactly these shapes (and the OpenAPI document is generated from them). Core and store
//! types are converted by hand, so a change inside never changes the API by accident.

use recoup_core::role::Role;
use recoup_store::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleCode {
    Admin,
    Manager,
    Collector,
    FieldAgent,
    Legal,
    Recovery,
    Compliance,
    Agency,
}

impl From<Role> for RoleCode {
    fn from(role: Role) -> RoleCode {
        match role {
            Role::Admin => RoleCode::Admin,
            Role::Manager => RoleCode::Manager,
            Role::Collector => RoleCode::Collector,
            Role::FieldAgent => RoleCode::FieldAgent,
            Role::Legal => RoleCode::Legal,
            Role::Recovery => RoleCode::Recovery,
            Role::Compliance => RoleCode::Compliance,
            Role::Agency => RoleCode::Agency,
        }
    }
}

impl From<RoleCode> for Role {
    fn from(code: RoleCode) -> Role {
        match code {
            RoleCode::Admin => Role::Admin,
            RoleCode::Manager => Role::Manager,
            RoleCode::Collector => Role::Collector,
            RoleCode::FieldAgent => Role::FieldAgent,
            RoleCode::Legal => Role::Legal,
            RoleCode::Recovery => Role::Recovery,
            RoleCode::Compliance => Role::Compliance,
            RoleCode::Agency => Role::Agency,
        }
    }
}

/// A user, as the API shows one (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: RoleCode,
    /// The outside agency of an `agency` user.
    pub agency: Option<String>,
    pub region: Option<String>,
    pub active: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role.into(),
            agency: user.agency.clone(),
            region: user.region.clone(),
            active: user.active,
            created_at: instant(user.created_at),
        }
    }
}

/// An instant on the wire: RFC 3339, UTC, milliseconds.
pub fn instant(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_role_codes_are_the_core_codes() {
        for role in Role::ALL {
            let wire = serde_json::to_value(RoleCode::from(role)).unwrap();
            assert_eq!(wire, serde_json::json!(role.code()));
            assert_eq!(Role::from(RoleCode::from(role)), role);
        }
    }
}
