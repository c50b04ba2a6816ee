//! `console.ascii` in the config file: the `--ascii` flag's counterpart.

use mdops::config::Config;

#[test]
fn ascii_is_off_by_default_and_set_by_the_config() {
    assert!(!Config::parse("", "mine.toml").unwrap().console.ascii);
    let config = Config::parse("[console]\nascii = true\n", "mine.toml").unwrap();
    assert!(config.console.ascii);
}

#[test]
fn a_bad_ascii_value_names_the_file_line_and_the_type_wanted() {
    let err = Config::parse("[console]\nascii = \"yes\"\n", "mine.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("mine.toml:2:") && err.contains("expected a boolean"),
        "{err}"
    );
}
