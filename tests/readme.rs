//! The README's key table must list exactly the keys the console handles.

use mdops::app::keys::HELP;

#[test]
fn readme_key_table_matches_the_help_overlay() {
    let readme = include_str!("../README.md");
    for (section, keys) in HELP {
        for (key, what) in *keys {
            let row = format!("| {section} | `{key}` | {what} |");
            assert!(readme.contains(&row), "README.md lacks the key row:\n{row}");
        }
    }
    let section = readme
        .split("### Keys")
        .nth(1)
        .expect("README.md has a ### Keys section");
    let section = section.split("\n#").next().unwrap_or(section);
    let rows = section
        .lines()
        .filter(|line| line.starts_with("| ") && line.contains(" | `"))
        .count();
    let expected: usize = HELP.iter().map(|(_, keys)| keys.len()).sum();
    assert_eq!(rows, expected, "README.md lists keys the console does not have");
}
