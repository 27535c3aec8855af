//! Profile files: the shipped ones load, and bad ones fail with file, line, column and what is
//! wrong.

use recoup_compliance::{Profile, ProfileError};

fn error_of(text: &str) -> (usize, usize, String) {
    match Profile::parse(text, "bad.toml") {
        Err(ProfileError::Invalid {
            file,
            line,
            column,
            message,
        }) => {
            assert_eq!(file, "bad.toml");
            (line, column, message)
        }
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

/// The shipped `cn` profile with `from` replaced by `to` (which must occur once).
fn cn_with(from: &str, to: &str) -> String {
    let text = Profile::builtin_text("cn").unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur once in cn.toml"
    );
    text.replace(from, to)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|line| line.contains(needle)).unwrap() + 1
}

#[test]
fn the_shipped_profiles_load() {
    let cn = Profile::builtin("cn").unwrap();
    assert_eq!(
        (cn.name(), cn.version(), cn.rule_prefix()),
        ("cn", "2026.1", "cn")
    );
    assert_eq!(cn.default_time_zone(), Some(chrono_tz::Asia::Shanghai));
    assert_eq!(cn.history().num_days(), 8);
    let regf = Profile::builtin("us-regf").unwrap();
    assert_eq!((regf.name(), regf.rule_prefix()), ("us-regf", "regf"));
    assert_eq!(regf.default_time_zone(), None);
    assert!(matches!(
        Profile::builtin("eu"),
        Err(ProfileError::UnknownBuiltin { .. })
    ));
}

#[test]
fn bad_profiles_name_the_line_column_and_fault() {
    let cases = [
        (
            "an unknown key",
            "limit = 3",
            "limit = 3\nlimt = 4",
            "limt = 4",
            1,
            "unknown field `limt`",
        ),
        (
            "a bad time",
            "start = \"22:00\"",
            "start = \"25:00\"",
            "start = \"25:00\"",
            9,
            "bad time `25:00`",
        ),
        (
            "a time without minutes",
            "end = \"08:00\"\nchannels = [\"call\", \"sms\", \"wechat\"",
            "end = \"8\"\nchannels = [\"call\", \"sms\", \"wechat\"",
            "end = \"8\"",
            7,
            "bad time `8`",
        ),
        (
            "a negative limit",
            "limit = 6",
            "limit = -6",
            "limit = -6",
            9,
            "limit must not be negative, got -6",
        ),
        (
            "an unknown channel",
            "channels = [\"call\", \"sms\"]\nstop",
            "channels = [\"call\", \"pigeon\"]\nstop",
            "\"pigeon\"",
            0,
            "`pigeon` is not one of",
        ),
        (
            "an internal action as a channel",
            "channels = [\"call\", \"sms\"]\nstop",
            "channels = [\"call\", \"legal_referral\"]\nstop",
            "\"legal_referral\"",
            0,
            "internal action",
        ),
        (
            "an unknown template",
            "templates = [\"third_party_locate\", \"third_party_message\"]",
            "templates = [\"third_party_locate\", \"gossip\"]",
            "\"gossip\"",
            0,
            "unknown template class `gossip`",
        ),
        (
            "an unknown time zone",
            "\"Asia/Shanghai\"",
            "\"Asia/Peking\"",
            "\"Asia/Peking\"",
            0,
            "not an IANA time zone",
        ),
        (
            "a wrong type",
            "honour = true",
            "honour = \"yes\"",
            "honour = \"yes\"",
            10,
            "invalid type",
        ),
        (
            "an unknown party",
            "parties = [\"lawyer\"]",
            "parties = [\"cousin\"]",
            "\"cousin\"",
            0,
            "unknown party `cousin`",
        ),
        (
            "a history shorter than the windows",
            "history_days = 8",
            "history_days = 0",
            "history_days = 0",
            16,
            "history_days must be between 1 and 366",
        ),
    ];
    for (description, from, to, needle, column_after_key, message) in cases {
        let text = cn_with(from, to);
        let (line, column, got) = error_of(&text);
        assert_eq!(line, line_of(&text, needle), "{description}: line ({got})");
        let expected_column = if column_after_key > 0 {
            column_after_key
        } else {
            text.lines().nth(line - 1).unwrap().find(needle).unwrap() + 1
        };
        assert_eq!(column, expected_column, "{description}: column ({got})");
        assert!(
            got.contains(message),
            "{description}: `{got}` should say `{message}`"
        );
    }
}

#[test]
fn a_missing_flag_section_is_an_error_not_a_silent_allow() {
    let text = cn_with(
        "[flags.deceased]\nchannels = [\"letter\"]\ntemplates = [\"legal_notice\"]\n",
        "",
    );
    let (_, _, message) = error_of(&text);
    assert!(message.contains("missing field `deceased`"), "{message}");
}

#[test]
fn the_error_display_is_file_line_column_message() {
    let text = cn_with("limit = 6", "limit = -6");
    let error = Profile::parse(&text, "profiles/cn.toml").unwrap_err();
    let line = line_of(&text, "limit = -6");
    assert_eq!(
        error.to_string(),
        format!("profiles/cn.toml:{line}:9: limit must not be negative, got -6")
    );
}

#[test]
fn a_us_profile_must_keep_its_history_longer_than_its_windows() {
    let text = Profile::builtin_text("us-regf")
        .unwrap()
        .replace("history_days = 8", "history_days = 7");
    let (line, _, message) = error_of(&text);
    assert_eq!(line, line_of(&text, "history_days = 7"));
    assert!(
        message.contains("history_days must be at least 8"),
        "{message}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let error = Profile::load(std::path::Path::new("/nonexistent/profile.toml")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot read profile /nonexistent/profile.toml"
    );
}

#[test]
fn the_documented_error_messages_are_the_real_ones() {
    let docs = include_str!("../../../../docs/compliance.md");
    let file = "strategies/profiles/cn.toml";
    for (from, to) in [
        ("limit = 6", "limit = -6"),
        ("start = \"22:00\"", "start = \"25:00\""),
        ("limit = 3", "limit = 3\nlimt = 4"),
    ] {
        let error = Profile::parse(&cn_with(from, to), file)
            .unwrap_err()
            .to_string();
        assert!(
            docs.contains(&error),
            "docs/compliance.md should quote `{error}`"
        );
    }
}
