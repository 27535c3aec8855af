// What each role may open in the UI. This mirrors `Role::allows` in crates/core/src/role.rs;
// the server decides, the UI only hides what would be refused. Keep the two in sync: the admin
// page shows the server's own matrix (`GET /api/v1/roles`) beside these.
import type { RoleCode } from "./api";

/** Every role, in the order of `Role::ALL`. */
export const ALL_ROLES: RoleCode[] = [
  "admin",
  "manager",
  "collector",
  "field_agent",
  "legal",
  "recovery",
  "compliance",
  "agency",
];

/** `Permission::ViewReports`: the dashboard, the strategy page, blocks and QA flags. */
export function canViewReports(role: RoleCode): boolean {
  return role === "admin" || role === "manager" || role === "compliance";
}

/** `Permission::ReadAudit`: the audit trail and its verification on the compliance page. */
export function canReadAudit(role: RoleCode): boolean {
  return role === "admin" || role === "compliance";
}

/** `Permission::ManageUsers`: the admin page (users, roles, assignment rules). */
export function canManageUsers(role: RoleCode): boolean {
  return role === "admin";
}

/** The page a role lands on after signing in: reports for those who read them, else the queue. */
export function homePath(role: RoleCode): string {
  return canViewReports(role) ? "/dashboard" : "/queue";
}

// --- workspace pages ---
// Permission::ViewCases is every role's: the queue and case pages are open to all, each scoped
// by the server to the cases the user may see.

/** Permission::WorkCases: log contacts, take promises, write notes. */
export function canWorkCases(role: RoleCode): boolean {
  return ["manager", "collector", "field_agent", "legal", "recovery", "agency"].includes(role);
}

/** Permission::RequestPlans: request a repayment plan or a waiver. */
export function canRequestPlans(role: RoleCode): boolean {
  return ["admin", "manager", "collector", "field_agent", "agency"].includes(role);
}

/** Permission::ApprovePlans: the approvals inbox. */
export function canApprove(role: RoleCode): boolean {
  return role === "admin" || role === "manager";
}

/** Permission::SendSms and Permission::PlaceCalls (the same roles). */
export function canContactByDevice(role: RoleCode): boolean {
  return ["admin", "manager", "collector", "agency"].includes(role);
}

/** Permission::RevealPii (the default `[cases] reveal_roles`; the server's config decides). */
export function canReveal(role: RoleCode): boolean {
  return ["manager", "collector", "field_agent", "legal", "recovery"].includes(role);
}

/** Permission::AssignCases: bulk reassignment. */
export function canAssign(role: RoleCode): boolean {
  return role === "manager";
}

/** Roles whose scope is the whole book (the server's `sees_everything`): may filter by assignee. */
export function seesAllCases(role: RoleCode): boolean {
  return role === "admin" || role === "manager" || role === "compliance";
}
// --- end workspace pages ---
