//! Assignment: who works each open case. A case's queue (from the day's plan) names the role that
//! works it; among the active users of that role a rule picks one — round robin or least loaded,
//! narrowed by region (the user's region against the borrower's city) and skill (the queues a
//! user works) — and a case stays with its previous assignee while it stays in a queue of the
//! same role (sticky). Every change of assignee is a `case_event` row (`assigned`); manual
//! reassignments are audited as well.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use recoup_core::role::Role;
use sqlx::Row;

use crate::db::audit::{self, AuditAction, AuditEvent};
use crate::db::error::StoreError;
use crate::db::sql::{date_text, dialect};
use crate::{Backend, Store};

/// How a user is picked among the candidates for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentRule {
    /// In turn, per role.
    RoundRobin,
    /// The candidate with the fewest open cases (ties in username order).
    LeastLoaded,
}

impl AssignmentRule {
    pub fn parse(text: &str) -> Option<AssignmentRule> {
        match text {
            "round_robin" => Some(AssignmentRule::RoundRobin),
            "least_loaded" => Some(AssignmentRule::LeastLoaded),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AssignmentRule::RoundRobin => "round_robin",
            AssignmentRule::LeastLoaded => "least_loaded",
        }
    }
}

/// The `[assignment]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentPolicy {
    /// Queue name → role that works it. A key ending in `*` matches every queue starting with
    /// the rest (`legal*` covers `legal` and `legal_letters`); exact keys win over prefixes.
    /// Queues not listed (e.g. `auto_sms`) are worked by no one and stay unassigned.
    pub queue_roles: BTreeMap<String, Role>,
    pub rule: AssignmentRule,
    /// Prefer users whose region covers the borrower's city.
    pub by_region: bool,
    /// Prefer users whose skills name the case's queue.
    pub by_skill: bool,
    /// Keep the previous assignee while the case stays in a queue of the same role.
    pub sticky: bool,
    /// Region name → city names (as addresses begin, e.g. `北京市`). A user region that is not
    /// a key here matches addresses that contain it (a user region may be a city itself).
    pub regions: BTreeMap<String, Vec<String>>,
}

impl Default for AssignmentPolicy {
    fn default() -> AssignmentPolicy {
        let queue_roles = [
            ("pre_due_call", Role::Collector),
            ("early_call", Role::Collector),
            ("middle_call", Role::Collector),
            ("late_call", Role::Collector),
            ("reason_call", Role::Collector),
            ("special_attention", Role::Collector),
            ("skip_trace", Role::Collector),
            ("field_visit", Role::FieldAgent),
            ("vehicle_trace", Role::FieldAgent),
            ("agency", Role::Agency),
            ("legal*", Role::Legal),
            ("asset_preservation", Role::Recovery),
        ]
        .into_iter()
        .map(|(queue, role)| (queue.to_string(), role))
        .collect();
        let regions = [
            (
                "华北",
                &["北京市", "天津市", "石家庄市", "太原市", "呼和浩特市"][..],
            ),
            ("东北", &["沈阳市", "大连市", "长春市", "哈尔滨市"][..]),
            (
                "华东",
                &[
                    "上海市",
                    "南京市",
                    "苏州市",
                    "杭州市",
                    "宁波市",
                    "合肥市",
                    "福州市",
                    "厦门市",
                    "南昌市",
                    "济南市",
                    "青岛市",
                ][..],
            ),
            ("华中", &["郑州市", "武汉市", "长沙市"][..]),
            (
                "华南",
                &["广州市", "深圳市", "东莞市", "佛山市", "南宁市", "海口市"][..],
            ),
            ("西南", &["成都市", "重庆市", "贵阳市", "昆明市"][..]),
            ("西北", &["西安市", "兰州市", "乌鲁木齐市"][..]),
        ]
        .into_iter()
        .map(|(region, cities)| {
            (
                region.to_string(),
                cities.iter().map(|c| c.to_string()).collect(),
            )
        })
        .collect();
        AssignmentPolicy {
            queue_roles,
            rule: AssignmentRule::LeastLoaded,
            by_region: true,
            by_skill: true,
            sticky: true,
            regions,
        }
    }
}

impl AssignmentPolicy {
    /// The role that works `queue`, if any.
    pub fn role_for(&self, queue: &str) -> Option<Role> {
        if let Some(role) = self.queue_roles.get(queue) {
            return Some(*role);
        }
        self.queue_roles
            .iter()
            .filter_map(|(key, role)| Some((key.strip_suffix('*')?, role)))
            .filter(|(prefix, _)| queue.starts_with(prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, role)| *role)
    }

    /// Whether a user of `region` covers a borrower living at `address`.
    pub fn region_covers(&self, region: &str, address: &str) -> bool {
        match self.regions.get(region) {
            Some(cities) => cities.iter().any(|city| address.starts_with(city.as_str())),
            None => address.contains(region),
        }
    }
}

/// What an assignment run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssignmentOutcome {
    /// Cases given a (new) assignee.
    pub assigned: u64,
    /// Cases that kept their assignee.
    pub kept: u64,
    /// Cases left or made unassigned: a queue no role works, or no active user of the role.
    pub unassigned: u64,
}

/// Which cases a manual reassignment moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSelection {
    /// These cases (by borrower id); ids that are not open cases are skipped.
    Ids(Vec<i64>),
    /// Every open case matching all the given conditions.
    Filter {
        queue: Option<String>,
        stage: Option<String>,
        assignee: Option<String>,
    },
}

/// One change of assignee.
struct Change {
    borrower_id: i64,
    from: Option<String>,
    to: Option<String>,
    /// The agency the case is placed with (for a user of the agency role).
    agency: Option<String>,
    queue: String,
}

/// An `app_user` row as `assign_cases` reads it.
#[derive(sqlx::FromRow)]
struct CandidateRow {
    username: String,
    role: String,
    region: Option<String>,
    agency: Option<String>,
    /// Comma-separated queue names.
    skills: Option<String>,
}

/// Open cases held by one assignee.
#[derive(sqlx::FromRow)]
struct CasesHeld {
    assignee: String,
    cases_held: i64,
}

/// An open case as assignment sees it.
#[derive(sqlx::FromRow)]
struct OpenCase {
    borrower_id: i64,
    queue: Option<String>,
    assignee: Option<String>,
    home_address: String,
}

/// A role's active user, a candidate for that role's cases.
struct Candidate {
    username: String,
    role: Role,
    region: Option<String>,
    agency: Option<String>,
    skills: Option<Vec<String>>,
}

impl Store {
    /// Assigns every open case to a user by `policy` (after planning `date`) and marks the
    /// date assigned, all in one transaction. Idempotent: a second run on the same state changes
    /// nothing while the assignees stay eligible.
    pub async fn assign_cases(
        &self,
        date: NaiveDate,
        policy: &AssignmentPolicy,
    ) -> Result<AssignmentOutcome, StoreError> {
        let candidates = self.assignment_candidates().await?;
        let load = self.open_cases_held().await?;
        let cases = sqlx::query_as::<_, OpenCase>(
            "SELECT c.borrower_id, c.queue, c.assignee, b.home_address FROM collection_case c \
             JOIN borrower b ON b.id = c.borrower_id WHERE c.status = 'open' ORDER BY c.borrower_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut run = AssignmentRun::new(policy, &candidates, load);
        for case in cases {
            run.assign(case);
        }
        self.record_assignment_run(date, policy.rule, &run.changes)
            .await?;
        self.refresh_case_statistics().await?;
        Ok(run.outcome)
    }

    /// The active users a case can go to, in username order; a user whose stored role is
    /// unknown to this version is skipped.
    async fn assignment_candidates(&self) -> Result<Vec<Candidate>, StoreError> {
        let users = sqlx::query_as::<_, CandidateRow>(
            "SELECT username, role, region, agency, skills FROM app_user WHERE active = 1 ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(users
            .into_iter()
            .filter_map(|user| {
                let role = Role::parse(&user.role).ok()?;
                Some(Candidate {
                    username: user.username,
                    role,
                    region: user.region,
                    agency: user.agency,
                    skills: user.skills.map(|s| {
                        s.split(',')
                            .map(|q| q.trim().to_string())
                            .filter(|q| !q.is_empty())
                            .collect()
                    }),
                })
            })
            .collect())
    }

    /// How many open cases each assignee holds now.
    async fn open_cases_held(&self) -> Result<HashMap<String, i64>, StoreError> {
        let held = sqlx::query_as::<_, CasesHeld>(
            "SELECT assignee, COUNT(*) AS cases_held FROM collection_case WHERE status = 'open' AND assignee IS NOT NULL GROUP BY assignee",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(held
            .into_iter()
            .map(|row| (row.assignee, row.cases_held))
            .collect())
    }

    /// Writes a run's changes of assignee and marks `date` assigned.
    async fn record_assignment_run(
        &self,
        date: NaiveDate,
        rule: AssignmentRule,
        changes: &[Change],
    ) -> Result<(), StoreError> {
        let date_s = date_text(date);
        let rule = rule.code();
        // One transaction for the date's assignments and its `assigned` mark: a run killed
        // part-way leaves the date unassigned, and the next run assigns it from the same state,
        // so a catch-up killed and rerun hands out exactly what a clean one does.
        let mut tx = self.pool.begin().await?;
        let writes: Vec<Assignment> = changes
            .iter()
            .map(|change| Assignment {
                borrower_id: change.borrower_id,
                detail: serde_json::json!({
                    "from": change.from, "to": change.to, "queue": change.queue, "by": rule,
                })
                .to_string(),
                to: change.to.clone(),
                agency: change.agency.clone(),
            })
            .collect();
        write_assignments(&mut tx, self.backend, &date_s, &writes).await?;
        sqlx::query(&dialect(
            self.backend,
            "UPDATE eod_run SET assigned = 1 WHERE business_date = ?",
        ))
        .bind(&date_s)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// After the day's case work (planning, then assignment) has rewritten most open cases:
    /// on PostgreSQL, vacuum and analyze the case table so a collector's queue count is an
    /// index-only scan again (with the visibility map stale it read thousands of heap pages:
    /// 16 ms against 1.5 ms over 7,429 cases). SQLite's count reads the index alone anyway.
    pub async fn refresh_case_statistics(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            // The simple query protocol: VACUUM may not run in a (prepared) transaction block.
            sqlx::raw_sql("VACUUM (ANALYZE) collection_case")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Reassigns the selected open cases to `to` (an active user), in one transaction with a
    /// `cases_reassigned` audit row. Returns how many cases moved; an unknown or inactive user is
    /// refused (`Invalid` naming `to`).
    pub async fn reassign_cases(
        &self,
        selection: &CaseSelection,
        to: &str,
        actor: &str,
        event_id: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let user = sqlx::query(&dialect(
            self.backend,
            "SELECT role, agency FROM app_user WHERE username = ? AND active = 1",
        ))
        .bind(to)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else {
            return Err(StoreError::Invalid {
                field: "to",
                message: format!("`{to}` is not an active user"),
            });
        };
        let role: String = user.try_get("role")?;
        let agency: Option<String> = user.try_get("agency")?;
        let agency = agency.filter(|_| role == Role::Agency.code());
        let (sql, binds): (String, Vec<String>) = match selection {
            CaseSelection::Ids(ids) => {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let list = ids
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    format!(
                        "SELECT borrower_id, assignee, queue FROM collection_case WHERE status = 'open' \
                         AND borrower_id IN ({list}) ORDER BY borrower_id"
                    ),
                    Vec::new(),
                )
            }
            CaseSelection::Filter {
                queue,
                stage,
                assignee,
            } => {
                let mut sql = "SELECT borrower_id, assignee, queue FROM collection_case WHERE status = 'open'"
                    .to_string();
                let mut binds = Vec::new();
                for (column, value) in [("queue", queue), ("stage", stage), ("assignee", assignee)]
                {
                    if let Some(value) = value {
                        sql.push_str(&format!(" AND {column} = ?"));
                        binds.push(value.clone());
                    }
                }
                sql.push_str(" ORDER BY borrower_id");
                (sql, binds)
            }
        };
        let sql = dialect(self.backend, &sql);
        let mut query = sqlx::query(&sql);
        for bind in &binds {
            query = query.bind(bind.as_str());
        }
        let rows = query.fetch_all(&mut *tx).await?;
        let date_s = date_text(today);
        let mut writes = Vec::new();
        for row in rows {
            let borrower_id: i64 = row.try_get("borrower_id")?;
            let from: Option<String> = row.try_get("assignee")?;
            let queue: Option<String> = row.try_get("queue")?;
            if from.as_deref() == Some(to) {
                continue;
            }
            let detail = serde_json::json!({
                "from": from, "to": to, "queue": queue, "by": actor,
            });
            writes.push(Assignment {
                borrower_id,
                to: Some(to.to_string()),
                agency: agency.clone(),
                detail: detail.to_string(),
            });
        }
        write_assignments(&mut tx, self.backend, &date_s, &writes).await?;
        let moved: Vec<i64> = writes.iter().map(|w| w.borrower_id).collect();
        let shown: Vec<i64> = moved.iter().copied().take(1000).collect();
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: actor.to_string(),
                action: AuditAction::CasesReassigned,
                subject: format!("user:{to}"),
                detail: serde_json::json!({ "cases": moved.len(), "borrower_ids": shown }),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }
}

/// One assignment run over the open cases, in borrower order: the changes it makes and the
/// running load and round-robin cursors its choices depend on.
struct AssignmentRun<'a> {
    policy: &'a AssignmentPolicy,
    candidates: &'a [Candidate],
    /// Open cases per username, as the run has changed them so far.
    load: HashMap<String, i64>,
    cursors: HashMap<Role, usize>,
    outcome: AssignmentOutcome,
    changes: Vec<Change>,
}

impl<'a> AssignmentRun<'a> {
    fn new(
        policy: &'a AssignmentPolicy,
        candidates: &'a [Candidate],
        load: HashMap<String, i64>,
    ) -> AssignmentRun<'a> {
        AssignmentRun {
            policy,
            candidates,
            load,
            cursors: HashMap::new(),
            outcome: AssignmentOutcome::default(),
            changes: Vec::new(),
        }
    }

    /// Decides who works `case`: kept, reassigned, or left to nobody.
    fn assign(&mut self, case: OpenCase) {
        let current = case.assignee;
        let Some(role) = case.queue.as_deref().and_then(|q| self.policy.role_for(q)) else {
            self.unassign(case.borrower_id, current, case.queue.unwrap_or_default());
            return;
        };
        let queue = case.queue.unwrap_or_default();
        let of_role: Vec<&'a Candidate> =
            self.candidates.iter().filter(|c| c.role == role).collect();
        if self.policy.sticky
            && of_role
                .iter()
                .any(|c| Some(&c.username) == current.as_ref())
        {
            self.outcome.kept += 1;
            return;
        }
        let pool = self.eligible(of_role, &queue, &case.home_address);
        match self.pick(role, &pool) {
            Some(user) if Some(&user.username) == current.as_ref() => self.outcome.kept += 1,
            Some(user) => self.hand_over(case.borrower_id, current, user, queue),
            None => self.unassign(case.borrower_id, current, queue),
        }
    }

    /// Narrows the role's users by skill, then by region; a narrowing that would leave
    /// nobody is not applied.
    fn eligible(
        &self,
        of_role: Vec<&'a Candidate>,
        queue: &str,
        address: &str,
    ) -> Vec<&'a Candidate> {
        let mut pool = of_role;
        if self.policy.by_skill {
            let skilled: Vec<&Candidate> = pool
                .iter()
                .copied()
                .filter(|c| {
                    c.skills
                        .as_ref()
                        .is_none_or(|s| s.iter().any(|q| q == queue))
                })
                .collect();
            if !skilled.is_empty() {
                pool = skilled;
            }
        }
        if self.policy.by_region {
            let local: Vec<&Candidate> = pool
                .iter()
                .copied()
                .filter(|c| {
                    c.region
                        .as_deref()
                        .is_some_and(|r| self.policy.region_covers(r, address))
                })
                .collect();
            if !local.is_empty() {
                pool = local;
            } else {
                // Users without a region serve everywhere; prefer them to someone else's
                // region when nobody local exists.
                let anywhere: Vec<&Candidate> = pool
                    .iter()
                    .copied()
                    .filter(|c| c.region.is_none())
                    .collect();
                if !anywhere.is_empty() {
                    pool = anywhere;
                }
            }
        }
        pool
    }

    /// Picks one of `pool` by the policy's rule.
    fn pick(&mut self, role: Role, pool: &[&'a Candidate]) -> Option<&'a Candidate> {
        match self.policy.rule {
            AssignmentRule::LeastLoaded => pool
                .iter()
                .min_by_key(|c| self.load.get(&c.username).copied().unwrap_or(0))
                .copied(),
            AssignmentRule::RoundRobin => {
                if pool.is_empty() {
                    None
                } else {
                    let cursor = self.cursors.entry(role).or_insert(0);
                    let pick = pool.get(*cursor % pool.len()).copied();
                    *cursor += 1;
                    pick
                }
            }
        }
    }

    /// Gives the case to `user`, moving one case of load from the previous assignee.
    fn hand_over(
        &mut self,
        borrower_id: i64,
        current: Option<String>,
        user: &Candidate,
        queue: String,
    ) {
        *self.load.entry(user.username.clone()).or_insert(0) += 1;
        if let Some(previous) = &current {
            if let Some(n) = self.load.get_mut(previous) {
                *n -= 1;
            }
        }
        self.outcome.assigned += 1;
        self.changes.push(Change {
            borrower_id,
            from: current,
            to: Some(user.username.clone()),
            agency: user.agency.clone().filter(|_| user.role == Role::Agency),
            queue,
        });
    }

    /// Leaves the case with nobody (recording the change when it had an assignee).
    fn unassign(&mut self, borrower_id: i64, current: Option<String>, queue: String) {
        self.outcome.unassigned += 1;
        if current.is_some() {
            self.changes.push(Change {
                borrower_id,
                from: current,
                to: None,
                agency: None,
                queue,
            });
        }
    }
}

/// A case handed to a user (or to nobody), with its `assigned` event's detail.
struct Assignment {
    borrower_id: i64,
    to: Option<String>,
    agency: Option<String>,
    detail: String,
}

/// Writes assignments and their `assigned` case events, in multi-row statements.
async fn write_assignments(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    date_s: &str,
    assignments: &[Assignment],
) -> Result<(), StoreError> {
    const COLS: usize = 3;
    for chunk in crate::db::sql::batches(assignments, crate::db::sql::rows_per_statement(COLS)) {
        let sql = format!(
            "UPDATE collection_case SET assignee = v.column2, agency = v.column3 \
             FROM (VALUES {}) AS v WHERE collection_case.borrower_id = v.column1",
            crate::db::sql::values_list(COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for a in chunk {
            query = query
                .bind(a.borrower_id)
                .bind(a.to.as_deref())
                .bind(a.agency.as_deref());
        }
        query.execute(&mut **tx).await?;
    }
    crate::db::sql::insert_rows(
        tx,
        backend,
        "case_event (borrower_id, business_date, kind, detail)",
        "",
        assignments,
        |query, a| {
            query
                .bind(a.borrower_id)
                .bind(date_s.to_owned())
                .bind("assigned")
                .bind(a.detail.as_str())
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_map_to_roles_with_prefixes_and_unknown_queues_to_nobody() {
        let policy = AssignmentPolicy::default();
        assert_eq!(policy.role_for("early_call"), Some(Role::Collector));
        assert_eq!(policy.role_for("legal_letters"), Some(Role::Legal));
        assert_eq!(policy.role_for("legal"), Some(Role::Legal));
        assert_eq!(policy.role_for("field_visit"), Some(Role::FieldAgent));
        assert_eq!(policy.role_for("asset_preservation"), Some(Role::Recovery));
        assert_eq!(policy.role_for("agency"), Some(Role::Agency));
        assert_eq!(policy.role_for("auto_sms"), None);
    }

    #[test]
    fn regions_cover_their_cities_and_a_city_region_covers_itself() {
        let policy = AssignmentPolicy::default();
        assert!(policy.region_covers("华北", "北京市朝阳区建国路1号"));
        assert!(!policy.region_covers("华北", "上海市浦东新区1号"));
        assert!(policy.region_covers("上海市", "上海市浦东新区1号"));
    }
}
