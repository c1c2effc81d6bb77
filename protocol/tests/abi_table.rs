//! `contracts/README.md` is the ABI contract: this test checks that the Rust mirror declares
//! exactly the entry functions, views (with argument names and types) and events the table lists.

use std::collections::BTreeMap;

use aether_protocol::abi::{FunctionAbi, agent_card, delegated_sessions, validation_oracle};

const README: &str = include_str!("../../contracts/README.md");

/// Rows of the table under `### {heading}` in the section `## \`{module}\``: first cell → rest.
fn table(module: &str, heading: &str) -> BTreeMap<String, Vec<String>> {
    let section = README
        .split(&format!("## `{module}`"))
        .nth(1)
        .unwrap_or_else(|| panic!("no section for {module}"));
    let section = section.split("\n## ").next().unwrap();
    let sub = section
        .split(&format!("### {heading}"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {heading} table for {module}"));
    let mut rows = BTreeMap::new();
    for line in sub.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        let Some(name) = cells[0].strip_prefix('`').and_then(|n| n.strip_suffix('`')) else {
            continue; // header and separator rows
        };
        rows.insert(name.to_string(), cells[1..].to_vec());
    }
    rows
}

fn move_type(readme_type: &str) -> String {
    match readme_type {
        "String" => "0x1::string::String".to_string(),
        "vector<String>" => "vector<0x1::string::String>".to_string(),
        t => t.to_string(),
    }
}

/// `a: u64, b: String` → [(a, u64), (b, 0x1::string::String)]
fn params(cell: &str) -> Vec<(String, String)> {
    cell.split(", ")
        .filter(|p| !p.is_empty())
        .map(|p| {
            let p = p.trim_matches('`');
            let (name, ty) = p
                .split_once(": ")
                .unwrap_or_else(|| panic!("bad param {p:?}"));
            (name.to_string(), move_type(ty))
        })
        .collect()
}

fn check_functions(module: &str, heading: &str, abi: &[FunctionAbi]) {
    let rows = table(module, heading);
    let rust: BTreeMap<&str, &FunctionAbi> = abi.iter().map(|f| (f.name, f)).collect();
    assert_eq!(
        rows.keys().map(String::as_str).collect::<Vec<_>>(),
        rust.keys().copied().collect::<Vec<_>>(),
        "{module} {heading}: README and Rust disagree on the function list"
    );
    for (name, cells) in &rows {
        let f = rust[name.as_str()];
        let readme_params = params(cells[0].trim_matches('`'));
        let rust_params: Vec<(String, String)> = f
            .params
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(readme_params, rust_params, "{module}::{name} parameters");
    }
}

#[test]
fn entry_functions_and_views_match_the_table() {
    check_functions(
        agent_card::MODULE,
        "Entry functions",
        agent_card::Call::FUNCTIONS,
    );
    check_functions(agent_card::MODULE, "Views", agent_card::View::FUNCTIONS);
    check_functions(
        delegated_sessions::MODULE,
        "Entry functions",
        delegated_sessions::Call::FUNCTIONS,
    );
    check_functions(
        delegated_sessions::MODULE,
        "Views",
        delegated_sessions::View::FUNCTIONS,
    );
    check_functions(
        validation_oracle::MODULE,
        "Entry functions",
        validation_oracle::Call::FUNCTIONS,
    );
    check_functions(
        validation_oracle::MODULE,
        "Views",
        validation_oracle::View::FUNCTIONS,
    );
}

#[test]
fn events_match_the_table() {
    for (module, names) in [
        (agent_card::MODULE, agent_card::Event::NAMES),
        (delegated_sessions::MODULE, delegated_sessions::Event::NAMES),
        (validation_oracle::MODULE, validation_oracle::Event::NAMES),
    ] {
        let rows = table(module, "Events");
        let mut rust: Vec<&str> = names.to_vec();
        rust.sort_unstable();
        assert_eq!(
            rows.keys().map(String::as_str).collect::<Vec<_>>(),
            rust,
            "{module} events"
        );
    }
}
