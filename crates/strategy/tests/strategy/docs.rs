//! The format documentation keeps up with the code: every condition field is described.

#[test]
fn docs_describe_every_condition_field() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/strategy.md"
    ))
    .expect("docs/strategy.md is readable");
    let missing: Vec<&str> = recoup_strategy::field_names()
        .filter(|name| !docs.contains(&format!("`{name}`")))
        .collect();
    assert!(missing.is_empty(), "docs/strategy.md lacks {missing:?}");
}

#[test]
fn the_shipped_challenger_file_parses() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../strategies/cn-challenger.toml"
    ))
    .expect("cn-challenger.toml is readable");
    if let Err(errors) = recoup_strategy::parse_strategy("cn-challenger.toml", &text) {
        panic!("{errors}");
    }
}
