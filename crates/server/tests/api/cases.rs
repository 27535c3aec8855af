//! Working cases over HTTP: a small seeded book assigned by the assignment rules, then the
//! permission matrix of every case endpoint, scoping (404, search), masking and the journaled
//! reveal, logged contacts feeding the compliance ledger, promises settled by end of day, notes
//! through language QA, bad input naming the field, and random bodies never getting a 5xx.

use chrono::{NaiveDate, TimeDelta};
use proptest::prelude::*;
use recoup_compliance::{BorrowerStanding, ContactRequest, Guard, History, Profile, TemplateClass};
use recoup_core::contact::{Channel, Party};
use recoup_store::{AssignmentPolicy, Store};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// The lender's "today" at the tests' t0 (Asia/Shanghai).
pub(crate) fn today() -> NaiveDate {
    (t0() + TimeDelta::hours(8)).date_naive()
}

/// (borrower id, name, address, phones, stage, queue): each ends up with one role's user.
const BOOK: [(i64, &str, &str, &str, &str, &str); 7] = [
    (
        1,
        "张三",
        "北京市朝阳区建国路88号阳光小区3栋1201室",
        "13800138001;13900139001",
        "early",
        "early_call",
    ),
    (
        2,
        "李四",
        "上海市浦东新区世纪大道100号2栋301室",
        "13800138002",
        "early",
        "early_call",
    ),
    (
        3,
        "王五",
        "北京市海淀区中关村大街1号5栋101室",
        "13800138003",
        "late",
        "field_visit",
    ),
    (
        4,
        "赵六",
        "广州市天河区体育西路9号1栋202室",
        "13800138004",
        "agency",
        "agency",
    ),
    (
        5,
        "钱七",
        "深圳市南山区科技园8号3栋303室",
        "13800138005",
        "legal",
        "legal",
    ),
    (
        6,
        "孙八",
        "成都市武侯区人民南路4号6栋606室",
        "13800138006",
        "asset_preservation",
        "asset_preservation",
    ),
    (
        7,
        "周九",
        "杭州市西湖区文三路7号7栋707室",
        "13800138007",
        "pre_due",
        "auto_sms",
    ),
];

/// Seeds the book by direct inserts (a borrower, vehicle, loan, two installments, a bucket
/// change and an open case each) and runs the assignment rules.
pub(crate) async fn seed(app: &TestApp) {
    let date = today().to_string();
    for (id, name, address, phones, stage, queue) in BOOK {
        let dpd = match stage {
            "pre_due" => 0,
            "early" => 10,
            "late" => 75,
            _ => 120,
        };
        let bucket = match dpd {
            0 => "M0",
            1..=30 => "M1",
            31..=90 => "M3",
            _ => "M4",
        };
        app.execute(&format!(
            "INSERT INTO borrower (id, national_id, name, phones, home_address, work_address, booked_at) VALUES \
             ({id}, '11010119900307{id:03}X', '{name}', '{phones}', '{address}', NULL, '2026-01-01T00:00:00.000Z')"
        ))
        .await;
        app.execute(&format!(
            "INSERT INTO emergency_contact (borrower_id, seq, name, relation, phone) VALUES ({id}, 1, '联系人{id}', 'spouse', '1370013700{id}')"
        ))
        .await;
        for statement in vehicle_and_loan(id, "2026-12-10", dpd, bucket, 1) {
            app.execute(&statement).await;
        }
        for (period, due) in [(1, "2026-02-10"), (2, "2026-12-10")] {
            app.execute(&format!(
                "INSERT INTO installment (loan_id, period, due_date, principal_due, interest_due) VALUES \
                 ({id}, {period}, '{due}', 270000, 40000)"
            ))
            .await;
        }
        app.execute(&format!(
            "INSERT INTO bucket_change (loan_id, business_date, from_bucket, to_bucket) VALUES ({id}, '2026-02-11', 'M0', 'M1')"
        ))
        .await;
        app.execute(&format!(
            "INSERT INTO collection_case (borrower_id, status, stage, opened_on, stage_since, closed_on, past_due, \
             times_opened, arm, segment, quadrant, contactability, planned_on, queue, next_action_on) VALUES \
             ({id}, 'open', '{stage}', '2026-02-11', '2026-02-11', NULL, 1, 1, 'champion', NULL, 'willing_and_able', \
             'contactable', '{date}', '{queue}', '{date}')"
        ))
        .await;
    }
    let outcome = app
        .store
        .assign_cases(today(), &AssignmentPolicy::default())
        .await
        .unwrap();
    assert_eq!(outcome.assigned, 6, "{}", app.backend);
    assert_eq!(
        outcome.unassigned, 1,
        "{}: auto_sms has no role",
        app.backend
    );
}

async fn assignee_of(store: &Store, borrower_id: i64) -> (Option<String>, Option<String>) {
    use sqlx::Row;
    let row = sqlx::query(&format!(
        "SELECT assignee, agency FROM collection_case WHERE borrower_id = {borrower_id}"
    ))
    .fetch_one(store.pool())
    .await
    .unwrap();
    (row.try_get(0).unwrap(), row.try_get(1).unwrap())
}

async fn seeded_apps() -> Vec<TestApp> {
    let apps = spawn_apps().await;
    for app in &apps {
        seed(app).await;
    }
    apps
}

#[tokio::test]
async fn assignment_follows_queue_roles_regions_and_stays_sticky() {
    for app in seeded_apps().await {
        let expected = [
            (1, Some("collector1"), None),
            (2, Some("collector2"), None),
            (3, Some("field1"), None),
            (4, Some("agency1"), Some("华信催收服务有限公司")),
            (5, Some("legal"), None),
            (6, Some("recovery"), None),
            (7, None, None),
        ];
        for (id, assignee, agency) in expected {
            let (got_assignee, got_agency) = assignee_of(&app.store, id).await;
            assert_eq!(
                (got_assignee.as_deref(), got_agency.as_deref()),
                (assignee, agency),
                "{}: case {id}",
                app.backend
            );
        }
        // A second run keeps everyone (sticky) and writes no new events.
        let again = app
            .store
            .assign_cases(today(), &AssignmentPolicy::default())
            .await
            .unwrap();
        assert_eq!((again.assigned, again.kept), (0, 6), "{}", app.backend);
        // The case file shows the assignment in the timeline.
        let manager = app.login("manager").await;
        let (status, file) = get(&app, "/api/v1/cases/1", &manager).await;
        assert_eq!(status, StatusCode::OK);
        let timeline = file["timeline"].as_array().unwrap();
        assert!(
            timeline.iter().any(|e| e["detail"]["event"] == "assigned"
                && e["detail"]["detail"]["to"] == "collector1"),
            "{timeline:?}"
        );
    }
}

/// Who gets what on case 1 (assigned to collector1, stage early).
#[tokio::test]
async fn permission_matrix_covers_every_role_and_case_endpoint() {
    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let forbidden = StatusCode::FORBIDDEN;
    let missing = StatusCode::NOT_FOUND;
    // user: queue, case view, reveal, contacts, promises, notes, reassign
    let matrix: [(&str, [StatusCode; 7]); 8] = [
        (
            "admin",
            [
                ok, ok, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        ("manager", [ok, ok, ok, created, created, created, ok]),
        (
            "collector1",
            [ok, ok, ok, created, created, created, forbidden],
        ),
        (
            "field1",
            [ok, missing, missing, missing, missing, missing, forbidden],
        ),
        (
            "legal",
            [ok, missing, missing, missing, missing, missing, forbidden],
        ),
        (
            "recovery",
            [ok, missing, missing, missing, missing, missing, forbidden],
        ),
        (
            "compliance",
            [
                ok, ok, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            "agency1",
            [ok, missing, forbidden, missing, missing, missing, forbidden],
        ),
    ];
    let due = (today() + chrono::Days::new(3)).to_string();
    for app in seeded_apps().await {
        for (username, expected) in &matrix {
            let session = app.login(username).await;
            let got = [
                get(&app, "/api/v1/queue", &session).await.0,
                get(&app, "/api/v1/cases/1", &session).await.0,
                post(
                    &app,
                    "/api/v1/cases/1/reveal",
                    &session,
                    json!({"reason": "borrower asked to confirm the number on file"}),
                )
                .await
                .0,
                post(
                    &app,
                    "/api/v1/cases/1/contacts",
                    &session,
                    json!({"channel": "call", "outcome": "no_answer"}),
                )
                .await
                .0,
                post(
                    &app,
                    "/api/v1/cases/1/promises",
                    &session,
                    json!({"amount_fen": 10000, "due_on": due}),
                )
                .await
                .0,
                post(
                    &app,
                    "/api/v1/cases/1/notes",
                    &session,
                    json!({"text": "借款人表示下周发工资后还款"}),
                )
                .await
                .0,
                // Moving case 7 (unassigned) keeps case 1 where it is.
                post(
                    &app,
                    "/api/v1/cases/reassign",
                    &session,
                    json!({"borrower_ids": [7], "to": "collector2"}),
                )
                .await
                .0,
            ];
            assert_eq!(&got, expected, "{}: {username}", app.backend);
        }
        // Without a session every endpoint is 401.
        for (method, path) in [
            (Method::GET, "/api/v1/queue"),
            (Method::GET, "/api/v1/cases/1"),
            (Method::POST, "/api/v1/cases/1/reveal"),
            (Method::POST, "/api/v1/cases/1/contacts"),
            (Method::POST, "/api/v1/cases/1/promises"),
            (Method::POST, "/api/v1/cases/1/notes"),
            (Method::POST, "/api/v1/cases/reassign"),
        ] {
            let response = app.call(method.clone(), path, None, Some(json!({}))).await;
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn a_collector_sees_and_finds_only_their_own_cases() {
    for app in seeded_apps().await {
        let collector1 = app.login("collector1").await;
        let (status, page) = get(&app, "/api/v1/queue", &collector1).await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["borrower_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![1], "{}", app.backend);
        assert_eq!(page["total"], 1);
        // collector2's case: 404, and no search finds it (name, loan number, phone suffix).
        assert_eq!(
            get(&app, "/api/v1/cases/2", &collector1).await.0,
            StatusCode::NOT_FOUND
        );
        for q in ["李四", "L20260002", "8002"] {
            let (status, page) = get(&app, &format!("/api/v1/queue?q={q}"), &collector1).await;
            assert_eq!(
                (status, page["total"].as_i64()),
                (StatusCode::OK, Some(0)),
                "{q}"
            );
        }
        // collector2 and the manager find it by each.
        let collector2 = app.login("collector2").await;
        let manager = app.login("manager").await;
        for session in [&collector2, &manager] {
            for q in ["李", "L20260002", "8002"] {
                let (_, page) = get(&app, &format!("/api/v1/queue?q={q}"), session).await;
                assert_eq!(page["items"][0]["borrower_id"], 2, "{q}: {page}");
            }
        }
        // The manager sees all open cases, most severe first on the same action date, and may
        // filter by assignee and stage.
        let (_, page) = get(&app, "/api/v1/queue", &manager).await;
        assert_eq!(page["total"], 7);
        assert_eq!(page["items"][0]["stage"], "agency");
        let (_, page) = get(&app, "/api/v1/queue?assignee=collector2", &manager).await;
        assert_eq!(page["total"], 1);
        let (_, page) = get(&app, "/api/v1/queue?stage=early&limit=1&offset=1", &manager).await;
        assert_eq!(
            (
                page["total"].as_i64(),
                page["items"].as_array().unwrap().len()
            ),
            (Some(2), 1)
        );
        // The agency sees only the case placed with it; legal its stage.
        let agency = app.login("agency1").await;
        let (_, page) = get(&app, "/api/v1/queue", &agency).await;
        assert_eq!(page["items"][0]["borrower_id"], 4);
        assert_eq!(page["total"], 1);
        assert_eq!(
            get(&app, "/api/v1/cases/4", &agency).await.0,
            StatusCode::OK
        );
        assert_eq!(
            get(&app, "/api/v1/cases/1", &agency).await.0,
            StatusCode::NOT_FOUND
        );
        let legal = app.login("legal").await;
        let (_, page) = get(&app, "/api/v1/queue", &legal).await;
        assert_eq!(page["total"], 1);
        assert_eq!(
            get(&app, "/api/v1/cases/999", &manager).await.0,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_queue_sorts_by_days_past_due_arrears_or_next_action_and_pages_follow_the_order() {
    for app in seeded_apps().await {
        // The stored sort keys: DPD rising with the id, arrears falling.
        app.execute(
            "UPDATE collection_case SET dpd = borrower_id * 10, arrears = (10 - borrower_id) * 100",
        )
        .await;
        app.execute(
            "UPDATE collection_case SET next_action_on = '2099-01-01' WHERE borrower_id = 5",
        )
        .await;
        let manager = app.login("manager").await;
        let ids = |page: &Value| -> Vec<i64> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["borrower_id"].as_i64().unwrap())
                .collect()
        };
        let (status, best) = get(&app, "/api/v1/queue", &manager).await;
        assert_eq!(status, StatusCode::OK);
        let (_, same) = get(&app, "/api/v1/queue?sort=best", &manager).await;
        assert_eq!(ids(&best), ids(&same));
        let (_, page) = get(&app, "/api/v1/queue?sort=dpd_desc", &manager).await;
        assert_eq!(ids(&page), vec![7, 6, 5, 4, 3, 2, 1], "{}", app.backend);
        let (_, page) = get(
            &app,
            "/api/v1/queue?sort=dpd_asc&limit=2&offset=2",
            &manager,
        )
        .await;
        assert_eq!((ids(&page), page["total"].as_i64()), (vec![3, 4], Some(7)));
        let (_, page) = get(&app, "/api/v1/queue?sort=arrears_desc", &manager).await;
        assert_eq!(ids(&page), vec![1, 2, 3, 4, 5, 6, 7]);
        let (_, page) = get(&app, "/api/v1/queue?sort=arrears_asc&limit=1", &manager).await;
        assert_eq!(ids(&page), vec![7]);
        let (_, page) = get(
            &app,
            "/api/v1/queue?sort=next_action_desc&limit=1",
            &manager,
        )
        .await;
        assert_eq!(ids(&page), vec![5]);
        // Filters and scope still apply.
        let collector1 = app.login("collector1").await;
        let (_, page) = get(&app, "/api/v1/queue?sort=dpd_asc", &collector1).await;
        assert_eq!(ids(&page), vec![1]);
    }
}

#[tokio::test]
async fn personal_data_is_masked_until_revealed_and_the_reveal_is_journaled() {
    for app in seeded_apps().await {
        let admin = app.login("admin").await;
        let collector1 = app.login("collector1").await;
        let (_, file) = get(&app, "/api/v1/cases/1", &collector1).await;
        let borrower = &file["borrower"];
        assert_eq!(borrower["national_id"], "1101**********001X");
        assert_eq!(borrower["phones"], json!(["138****8001", "139****9001"]));
        assert_eq!(borrower["home_address"], "北京市朝阳区****");
        assert_eq!(borrower["contacts"][0]["phone"], "137****7001");
        assert_eq!(borrower["masked"], true);
        let (_, page) = get(&app, "/api/v1/queue", &collector1).await;
        assert_eq!(page["items"][0]["phones"][0], "138****8001");
        // Loans with schedule, delinquency history and vehicle are there.
        let loan = &file["loans"][0];
        assert_eq!(loan["schedule"].as_array().unwrap().len(), 2);
        assert_eq!(loan["delinquency_history"][0]["to_bucket"], "M1");
        assert_eq!(loan["vehicle"]["plate"], "京A10001");
        let response = app
            .call(
                Method::POST,
                "/api/v1/cases/1/reveal",
                Some(&collector1),
                Some(json!({"reason": "verifying identity on a call"})),
            )
            .await;
        let event_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        let (status, revealed) = status_and_json(response).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(revealed["national_id"], "11010119900307001X");
        assert_eq!(revealed["phones"][1], "13900139001");
        assert_eq!(revealed["masked"], false);
        let (_, audit) = get(&app, "/api/v1/audit?limit=5", &admin).await;
        let row = &audit["entries"][0];
        assert_eq!(row["action"], "pii_revealed");
        assert_eq!(row["actor"], "collector1");
        assert_eq!(row["subject"], "case:1");
        assert_eq!(row["event_id"], event_id);
        assert_eq!(row["detail"]["reason"], "verifying identity on a call");
        // A refused reveal leaves no trace.
        let (status, _) = post(
            &app,
            "/api/v1/cases/1/reveal",
            &collector1,
            json!({"reason": "x"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, audit) = get(&app, "/api/v1/audit?limit=1", &admin).await;
        assert_eq!(audit["entries"][0]["event_id"], event_id);
    }
}

#[tokio::test]
async fn a_logged_contact_joins_the_ledger_the_guard_counts_and_feeds_the_case() {
    let guard = Guard::new(Profile::builtin("cn").unwrap());
    for app in seeded_apps().await {
        // 10:00 in Shanghai, inside contact hours.
        let at = today().and_hms_opt(2, 0, 0).unwrap().and_utc();
        app.clock.set(at);
        let request = ContactRequest {
            borrower_id: 1,
            loan_id: None,
            channel: Channel::Call,
            party: Party::Borrower,
            address: "13800138001".into(),
            at: at + TimeDelta::minutes(5),
            template: TemplateClass::Normal,
            collectors: Vec::new(),
        };
        let standing = BorrowerStanding {
            time_zone: Some(chrono_tz::Asia::Shanghai),
            ..BorrowerStanding::default()
        };
        let since = guard.history_since(request.at);
        let ledger = app.store.contact_ledger(1, since).await.unwrap();
        let before = guard.check(
            &request,
            &standing,
            History {
                events: &ledger,
                complete_since: Some(since),
            },
        );
        assert!(before.is_permitted(), "{}: {before:?}", app.backend);

        let collector1 = app.login("collector1").await;
        let (status, logged) = post(
            &app,
            "/api/v1/cases/1/contacts",
            &collector1,
            json!({"channel": "call", "outcome": "claims_hardship", "delay_reason": "economic_hardship",
                   "temperament": "worried", "note": "失业三个月"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{logged}");
        assert_eq!(
            (logged["result"].as_str(), logged["conversation"].as_bool()),
            (Some("connected"), Some(true))
        );

        let ledger = app.store.contact_ledger(1, since).await.unwrap();
        assert_eq!(ledger.len(), 1);
        assert_eq!(ledger[0].address, "13800138001");
        let after = guard.check(
            &request,
            &standing,
            History {
                events: &ledger,
                complete_since: Some(since),
            },
        );
        assert!(
            !after.is_permitted(),
            "{}: the minimum gap counts the logged call",
            app.backend
        );

        let (_, file) = get(&app, "/api/v1/cases/1", &collector1).await;
        assert_eq!(file["case"]["delay_reason"], "economic_hardship");
        assert_eq!(file["case"]["temperament"], "worried");
        let contact = file["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "contact")
            .unwrap()
            .clone();
        assert_eq!(contact["address"], "138****8001");
        assert_eq!(contact["actor"], "collector1");
        assert_eq!(contact["detail"]["outcome"], "claims_hardship");

        // A dispute flags the borrower.
        let (_, logged) = post(
            &app,
            "/api/v1/cases/1/contacts",
            &collector1,
            json!({"channel": "call", "outcome": "disputes"}),
        )
        .await;
        assert_eq!(logged["dispute_flagged"], true);
        let (_, file) = get(&app, "/api/v1/cases/1", &collector1).await;
        assert_eq!(file["borrower"]["dispute"], true);
        // A third party by registered contact number uses that contact's phone.
        let (status, _) = post(&app, "/api/v1/cases/1/contacts", &collector1,
            json!({"channel": "call", "party": "third_party", "contact_seq": 1, "outcome": "third_party"})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

#[tokio::test]
async fn end_of_day_marks_promises_kept_partly_kept_and_broken() {
    for app in seeded_apps().await {
        let collector1 = app.login("collector1").await;
        let collector2 = app.login("collector2").await;
        let due = today().to_string();
        for (session, case, amount) in [
            (&collector1, 1, 50_000),
            (&collector2, 2, 50_000),
            (&field_session(&app).await, 3, 50_000),
        ] {
            let (status, promise) = post(
                &app,
                &format!("/api/v1/cases/{case}/promises"),
                session,
                json!({"amount_fen": amount, "due_on": due}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{promise}");
            assert_eq!(promise["status"], "open");
        }
        // Borrower 1 pays in full, borrower 2 a part, borrower 3 nothing.
        for (loan, amount) in [(1, 50_000), (2, 20_000)] {
            app.execute(&format!(
                "INSERT INTO payment (id, idempotency_key, loan_id, channel, value_date, amount, posted_at) VALUES \
                 ({loan}, 'p{loan}', {loan}, 'counter', '{due}', {amount}, '2026-11-18T12:00:00.000Z')"
            ))
            .await;
        }
        let settled = app.store.settle_promises(today()).await.unwrap();
        assert_eq!(
            (settled.kept, settled.partly_kept, settled.broken),
            (1, 1, 1),
            "{}",
            app.backend
        );
        assert_eq!(
            app.store.settle_promises(today()).await.unwrap(),
            Default::default(),
            "idempotent"
        );
        let manager = app.login("manager").await;
        for (case, status) in [(1, "kept"), (2, "partly_kept"), (3, "broken")] {
            let (_, file) = get(&app, &format!("/api/v1/cases/{case}"), &manager).await;
            assert_eq!(file["promises"][0]["status"], status, "case {case}");
            assert!(
                file["timeline"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["detail"]["event"] == format!("promise_{status}")),
                "case {case}"
            );
        }
    }
}

async fn field_session(app: &TestApp) -> Session {
    app.login("field1").await
}

#[tokio::test]
async fn notes_pass_language_qa_blocked_terms_are_refused_and_nothing_is_stored() {
    for app in seeded_apps().await {
        let collector1 = app.login("collector1").await;
        let (status, error) = post(
            &app,
            "/api/v1/cases/1/notes",
            &collector1,
            json!({"text": "再不还钱就打断你的腿"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert_eq!(error["field"], "text");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("violence") && message.contains("bytes"),
            "{message}"
        );
        let (status, note) = post(
            &app,
            "/api/v1/cases/1/notes",
            &collector1,
            json!({"text": "已告知可能发律师函"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{note}");
        assert_eq!(note["qa_flags"][0]["tier"], "warn");
        let (_, file) = get(&app, "/api/v1/cases/1", &collector1).await;
        let notes: Vec<&Value> = file["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "note")
            .collect();
        assert_eq!(notes.len(), 1, "the blocked note was not stored");
        assert_eq!(notes[0]["detail"]["text"], "已告知可能发律师函");
    }
}

#[tokio::test]
async fn managers_reassign_in_bulk_and_the_change_is_audited() {
    for app in seeded_apps().await {
        let admin = app.login("admin").await;
        let manager = app.login("manager").await;
        let collector1 = app.login("collector1").await;
        let (status, moved) = post(
            &app,
            "/api/v1/cases/reassign",
            &manager,
            json!({"filter": {"queue": "early_call"}, "to": "collector2"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(
            moved["borrower_ids"],
            json!([1]),
            "case 2 was collector2's already"
        );
        assert_eq!(
            assignee_of(&app.store, 1).await.0.as_deref(),
            Some("collector2")
        );
        assert_eq!(
            get(&app, "/api/v1/cases/1", &collector1).await.0,
            StatusCode::NOT_FOUND
        );
        let (_, audit) = get(&app, "/api/v1/audit?limit=1", &admin).await;
        assert_eq!(audit["entries"][0]["action"], "cases_reassigned");
        assert_eq!(audit["entries"][0]["detail"]["cases"], 1);
        // Assigning to the agency user places the case with the agency.
        let (_, _) = post(
            &app,
            "/api/v1/cases/reassign",
            &manager,
            json!({"borrower_ids": [5], "to": "agency1"}),
        )
        .await;
        assert_eq!(
            assignee_of(&app.store, 5).await.1.as_deref(),
            Some("华信催收服务有限公司")
        );
        // Sticky: the next assignment run leaves case 1 with collector2 (same role's queue).
        app.store
            .assign_cases(today(), &AssignmentPolicy::default())
            .await
            .unwrap();
        assert_eq!(
            assignee_of(&app.store, 1).await.0.as_deref(),
            Some("collector2")
        );
    }
}

#[tokio::test]
async fn bad_input_to_every_case_endpoint_gets_a_4xx_naming_the_field() {
    let past = "2020-01-01".to_string();
    let far = (today() + chrono::Days::new(400)).to_string();
    let soon = (today() + chrono::Days::new(1)).to_string();
    let long_text = "好".repeat(4001);
    for app in seeded_apps().await {
        let collector1 = app.login("collector1").await;
        let manager = app.login("manager").await;
        let queries: [(&str, &str); 8] = [
            ("/api/v1/queue?limit=0", "limit"),
            ("/api/v1/queue?sort=name", "sort"),
            ("/api/v1/queue?limit=x", "limit"),
            ("/api/v1/queue?offset=-1", "offset"),
            ("/api/v1/queue?colour=red", "colour"),
            ("/api/v1/queue?stage=nope", "stage"),
            ("/api/v1/queue?assignee=collector2", "assignee"),
            ("/api/v1/cases/abc", "borrower_id"),
        ];
        for (path, field) in queries {
            let (status, error) = get(&app, path, &collector1).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {error}");
            assert_eq!(error["field"], field, "{path}");
        }
        let long_q = format!("/api/v1/queue?q={}", "9".repeat(65));
        assert_eq!(get(&app, &long_q, &collector1).await.1["field"], "q");
        let bodies: Vec<(&str, Value, &str)> = vec![
            ("/api/v1/cases/1/reveal", json!({}), "reason"),
            (
                "/api/v1/cases/1/reveal",
                json!({"reason": "short"}),
                "reason",
            ),
            ("/api/v1/cases/1/reveal", json!({"reason": 5}), "reason"),
            (
                "/api/v1/cases/1/reveal",
                json!({"reason": "a long enough reason", "why": 1}),
                "why",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "pigeon", "outcome": "busy"}),
                "channel",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "legal_referral", "outcome": "busy"}),
                "channel",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "maybe"}),
                "outcome",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call"}),
                "outcome",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "temperament": "sleepy"}),
                "temperament",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "delay_reason": "laziness"}),
                "delay_reason",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "phone_index": 9}),
                "phone_index",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "phone_index": -1}),
                "phone_index",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "party": "neighbour"}),
                "party",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "party": "third_party"}),
                "contact_seq",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "party": "third_party", "contact_seq": 7}),
                "contact_seq",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "note": "打断你的腿"}),
                "note",
            ),
            (
                "/api/v1/cases/1/contacts",
                json!({"channel": "call", "outcome": "busy", "at": "now"}),
                "at",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": -5, "due_on": soon}),
                "amount_fen",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": 0, "due_on": soon}),
                "amount_fen",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": "100", "due_on": soon}),
                "amount_fen",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": 1.5, "due_on": soon}),
                "amount_fen",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": 100, "due_on": "2026-02-30"}),
                "due_on",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": 100, "due_on": past}),
                "due_on",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": 100, "due_on": far}),
                "due_on",
            ),
            (
                "/api/v1/cases/1/promises",
                json!({"amount_fen": 100}),
                "due_on",
            ),
            ("/api/v1/cases/1/notes", json!({"text": ""}), "text"),
            ("/api/v1/cases/1/notes", json!({"text": "   "}), "text"),
            ("/api/v1/cases/1/notes", json!({"text": long_text}), "text"),
            ("/api/v1/cases/1/notes", json!({"text": 1}), "text"),
            (
                "/api/v1/cases/1/notes",
                json!({"text": "ok", "pinned": true}),
                "pinned",
            ),
        ];
        for (path, body, field) in bodies {
            let (status, error) = post(&app, path, &collector1, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {path} {body} -> {error}",
                app.backend
            );
            assert_eq!(error["field"], field, "{path} {body}");
        }
        let reassign: Vec<(Value, &str)> = vec![
            (json!({"borrower_ids": [1], "to": "nobody"}), "to"),
            (json!({"to": "collector2"}), "borrower_ids"),
            (
                json!({"borrower_ids": [], "to": "collector2"}),
                "borrower_ids",
            ),
            (
                json!({"borrower_ids": [-1], "to": "collector2"}),
                "borrower_ids",
            ),
            (
                json!({"borrower_ids": ["1"], "to": "collector2"}),
                "borrower_ids[0]",
            ),
            (
                json!({"filter": {"stage": "zzz"}, "to": "collector2"}),
                "filter.stage",
            ),
            (json!({"filter": {}, "to": "collector2"}), "filter"),
            (
                json!({"filter": {"queue": "x", "colour": 1}, "to": "collector2"}),
                "filter.colour",
            ),
            (
                json!({"borrower_ids": [1], "to": "collector2", "x": 1}),
                "x",
            ),
        ];
        for (body, field) in reassign {
            let (status, error) =
                post(&app, "/api/v1/cases/reassign", &manager, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body} -> {error}"
            );
            assert_eq!(error["field"], field, "{body}");
        }
        // Oversized bodies are refused before parsing.
        let huge = json!({"text": "a".repeat(20 * 1024)});
        let (status, error) = post(&app, "/api/v1/cases/1/notes", &collector1, huge).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
        );
    }
}

fn random_body() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        prop_oneof![
            Just("call"),
            Just("sms"),
            Just("field_visit"),
            Just("busy"),
            Just("disputes"),
            Just("borrower"),
            Just("third_party"),
            Just("2026-11-19"),
            Just("2026-13-01"),
            Just("collector2"),
            Just("early_call"),
            Just("打断你的腿"),
            Just(""),
        ]
        .prop_map(|s| Value::String(s.to_string())),
        "\\PC{0,16}".prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(field(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(field(), value, 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => prop_oneof![
            Just("reason"), Just("channel"), Just("party"), Just("contact_seq"), Just("phone_index"),
            Just("outcome"), Just("delay_reason"), Just("temperament"), Just("note"), Just("amount_fen"),
            Just("due_on"), Just("text"), Just("borrower_ids"), Just("filter"), Just("to"), Just("queue"),
            Just("stage"), Just("assignee"),
        ]
        .prop_map(str::to_string),
        1 => "\\PC{0,8}",
    ]
}

#[test]
fn random_bodies_to_case_endpoints_never_get_a_5xx() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (apps, managers) = runtime.block_on(async {
        let apps = seeded_apps().await;
        let mut managers = Vec::new();
        for app in &apps {
            managers.push(app.login("manager").await);
        }
        (apps, managers)
    });
    let paths = [
        "/api/v1/cases/1/reveal",
        "/api/v1/cases/1/contacts",
        "/api/v1/cases/2/promises",
        "/api/v1/cases/3/notes",
        "/api/v1/cases/reassign",
    ];
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(body in random_body(), path_idx in 0..5usize)| {
        runtime.block_on(async {
            for (app, manager) in apps.iter().zip(&managers) {
                let path = paths[path_idx];
                let (status, error) = post(app, path, manager, body.clone()).await;
                assert!(status.is_success() || status.is_client_error(), "{}: {path} {body} -> {status} {error}", app.backend);
                if status.is_client_error() {
                    assert!(error["error"].is_string(), "{path} {body} -> {error}");
                }
            }
        });
    });
}
