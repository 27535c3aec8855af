// What each role may open in the UI. This mirrors `Role::allows` in crates/core/src/role.rs;
// the server decides, the UI only hides what would be refused.
import type { RoleCode } from "./api";

export function canViewReports(role: RoleCode): boolean {
  return role === "admin" || role === "manager" || role === "compliance";
}

/** The page a role lands on after signing in. */
export function homePath(role: RoleCode): string {
  return canViewReports(role) ? "/dashboard" : "/account";
}
