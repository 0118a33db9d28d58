//! A new user's first hour (issue #17.1, #17.7, #17.8): what README says a fresh machine
//! needs, and what scripts/demo leaves behind and prints. These read the files themselves;
//! the demo's run is checked by running it (docs/testing.md).

mod common;

use common::{read, repo};

#[test]
fn readme_keeps_two_setup_commands_and_says_what_comes_before_and_after() {
    let readme = read(&repo().join("README.md"));
    let section = readme
        .split("## Two commands on a fresh Debian machine")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the set-up section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("one sh block");
    let commands: Vec<&str> = block
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(' '))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(commands, ["scripts/demo", "scripts/test"], "{block}");
    assert_eq!(section.matches("```sh").count(), 1, "{section}");
    for needed in [
        "`rustfmt`",
        "`clippy`",
        "`sudo`",
        "6 GB",
        "first build",
        "target/release/billmigrate",
        "cargo install --path .",
        "demo-out/billmigrate.toml",
    ] {
        assert!(section.contains(needed), "README set-up lacks {needed:?}");
    }
    assert!(
        readme.contains("- `docs/reliability.md`"),
        "documentation list"
    );
}

#[test]
fn the_demo_leaves_a_private_configuration_and_the_commands_to_try_next() {
    let demo = read(&repo().join("scripts/demo"));
    assert!(demo.contains("config=\"$out/billmigrate.toml\""), "{demo}");
    let writes = demo
        .find("cat >\"$config\"")
        .expect("writes the configuration");
    let umask = demo.find("umask 077").expect("a private file");
    assert!(umask < writes, "the file is created 0600");
    for command in ["explain $example", "status", "verify --out $out/verify"] {
        let line = format!("  $bin/billmigrate --config $config {command}\n");
        assert!(demo.contains(&line), "the demo does not end with {line:?}");
    }
    assert!(!demo.contains("owner-only"), "say who can read it");
    assert!(demo.contains("readable only by you: they hold live links"));
    // Every command of the demo uses the file it leaves behind.
    assert!(!demo.contains("$bin/billmigrate setup"), "{demo}");
    assert!(!demo.contains("export BILLMIGRATE_"), "{demo}");
}

#[test]
fn set_up_noise_is_kept_quiet() {
    let demo = read(&repo().join("scripts/demo"));
    assert!(
        demo.contains("PGOPTIONS=\"-c client_min_messages=warning\""),
        "psql's NOTICE on DROP DATABASE IF EXISTS"
    );
    let services = read(&repo().join("scripts/services"));
    assert!(
        services.contains(">\"$log\" 2>&1") && services.contains("cat \"$log\" >&2"),
        "apt and debconf output shown only on failure"
    );
}
