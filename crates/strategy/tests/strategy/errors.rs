//! Bad strategy files: every problem is reported with the file, line and column.

use recoup_strategy::parse_strategy;

/// Parses `text` as `t.toml` and compares the errors, one `file:line:column: message` each.
fn check(description: &str, text: &str, expected: &[&str]) {
    let errors = match parse_strategy("t.toml", text) {
        Ok(_) => panic!("{description}: parsed without errors"),
        Err(errors) => errors,
    };
    let actual: Vec<String> = errors.errors.iter().map(ToString::to_string).collect();
    assert_eq!(actual, expected, "{description}");
}

const TREATMENT: &str =
    "[[treatment]]\nid = \"a\"\nstages = [\"early\"]\ntemplate = \"t\"\nqueue = \"q\"\n";

#[test]
fn a_toml_syntax_error_names_its_line_and_column() {
    check(
        "unclosed table header",
        "name = \"t\"\n[parameters\nx = 1\n",
        &["t.toml:2:12: unclosed table, expected `]`"],
    );
}

#[test]
fn an_unknown_key_is_an_error_not_ignored() {
    check(
        "typo in a key",
        "name = \"t\"\n[[segment]]\nname = \"s\"\nwehn = \"true\"\n",
        &["t.toml:4:1: unknown field `wehn`, expected one of `name`, `when`, `description`"],
    );
}

#[test]
fn an_unknown_channel_points_at_the_value() {
    let text = format!("name = \"t\"\n{TREATMENT}channel = \"fax\"\n");
    check(
        "unknown channel",
        &text,
        &["t.toml:7:11: unknown channel \"fax\" (expected one of: sms, call, letter, email, wechat, \
           field_visit, lawyer_letter, vehicle_location_check, asset_preservation_referral, \
           legal_referral, agency_placement)"],
    );
}

#[test]
fn shares_must_add_up_to_100() {
    check(
        "60 + 30",
        "name = \"t\"\n[[arm]]\nname = \"a\"\nshare = 60\n[[arm]]\nname = \"b\"\nshare = 30\n",
        &["t.toml:7:9: arm shares add up to 90, not 100"],
    );
}

#[test]
fn unknown_stages_segments_and_arms_are_named() {
    let text = "name = \"t\"\n\
                [[segment]]\nname = \"late_payers\"\nwhen = \"dpd > 0\"\n\
                [[treatment]]\nid = \"a\"\nstages = [\"erly\"]\nsegments = [\"late_payer\"]\n\
                arms = [\"challenger\"]\nchannel = \"sms\"\ntemplate = \"t\"\nqueue = \"q\"\n";
    check(
        "three unknown names",
        text,
        &[
            "t.toml:7:11: unknown stage \"erly\" (expected one of: pre_due, early, middle, late, legal, asset_preservation, agency, written_off)",
            "t.toml:8:13: unknown segment \"late_payer\" (did you mean `late_payers`?)",
            "t.toml:9:9: unknown arm \"challenger\"",
        ],
    );
}

#[test]
fn duplicate_segment_names_are_an_error() {
    check(
        "two segments called s",
        "name = \"t\"\n[[segment]]\nname = \"s\"\nwhen = \"true\"\n[[segment]]\nname = \"s\"\nwhen = \"dpd > 1\"\n",
        &["t.toml:6:8: duplicate segment name \"s\""],
    );
}

#[test]
fn expression_errors_point_inside_the_condition_string() {
    let segment = |when: &str| {
        format!("name = \"t\"\n[parameters]\nlegal_dpd = 120\nlarge_yuan = 200000\n[[segment]]\nname = \"s\"\nwhen = {when}\n")
    };
    let cases = [
        (
            "unknown parameter",
            segment("\"dpd >= params.legal_dpdd\""),
            "t.toml:7:23: unknown parameter `legal_dpdd` (did you mean `legal_dpd`?)",
        ),
        (
            "unknown field",
            segment("\"dpdd >= 3\""),
            "t.toml:7:9: unknown field `dpdd` (did you mean `dpd`?)",
        ),
        (
            "parameter without params.",
            segment("\"dpd >= legal_dpd\""),
            "t.toml:7:16: unknown field `legal_dpd` (did you mean `params.legal_dpd`?)",
        ),
        (
            "money against a plain number",
            segment("\"loan_principal >= 200000\""),
            "t.toml:7:27: cannot compare money with int (write amounts as yuan(N), fen(N) or a `_yuan` parameter)",
        ),
        (
            "enum against a number",
            segment("\"quadrant == 3\""),
            "t.toml:7:21: cannot compare quadrant (a name) with int using `==`",
        ),
        (
            "unknown enum name",
            segment("'quadrant == \"happy\"'"),
            "t.toml:7:21: unknown quadrant \"happy\" (expected one of: willing_and_able, willing_not_able, able_not_willing, neither)",
        ),
        (
            "not a condition",
            segment("\"dpd + 1\""),
            "t.toml:7:9: expected a condition (bool), found int",
        ),
        (
            "syntax error after an escape",
            segment("\"bucket == \\\"M1\\\" && dpd = 3\""),
            "t.toml:7:33: `=` is not an operator; use `==`",
        ),
        (
            "null on a field that is never null",
            segment("\"dpd == null\""),
            "t.toml:7:9: only days_to_next_due, days_since_last_payment and days_since_last_contact can be null",
        ),
    ];
    let mismatches: Vec<String> = cases
        .iter()
        .filter_map(|(description, text, expected)| {
            let actual = parse_strategy("t.toml", text).err().map(|e| e.to_string());
            (actual.as_deref() != Some(*expected))
                .then(|| format!("{description}: got {actual:?}, want {expected:?}"))
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn parameters_must_be_whole_numbers_and_arms_may_only_override_known_ones() {
    check(
        "a float and an unknown override",
        "name = \"t\"\n[parameters]\nx = 1.5\n[[arm]]\nname = \"a\"\nshare = 100\nparameters = { y = 2 }\n",
        &[
            "t.toml:3:5: parameter `x` must be a whole number (names ending in `_yuan` hold amounts)",
            "t.toml:7:16: unknown parameter `y`: an arm may only override [parameters]",
        ],
    );
}

#[test]
fn all_errors_of_a_file_are_reported_in_file_order() {
    let text = format!(
        "name = \"t\"\n[cost_fen]\npager = 3\n{TREATMENT}channel = \"sms\"\nwhen = \"dpd >\"\noffset_days = -1\n"
    );
    check(
        "three errors",
        &text,
        &[
            "t.toml:3:1: unknown channel \"pager\" (expected one of: sms, call, letter, email, wechat, field_visit, lawyer_letter, vehicle_location_check, asset_preservation_referral, legal_referral, agency_placement)",
            "t.toml:10:14: expected a value, found end of condition",
            "t.toml:11:15: offset_days -1 is outside 0..=366",
        ],
    );
}

#[test]
fn a_file_without_a_name_or_with_a_wrong_value_type_is_rejected_with_a_position() {
    check(
        "no name",
        "description = \"x\"\n",
        &["t.toml:1:1: missing field `name`"],
    );
    check(
        "share as text",
        "name = \"t\"\n[[arm]]\nname = \"a\"\nshare = \"100\"\n",
        &["t.toml:4:9: invalid type: string \"100\", expected i64"],
    );
}
