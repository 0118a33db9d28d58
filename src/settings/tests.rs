use std::collections::HashMap;

use super::*;

fn load_with(toml: Option<&str>, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billmigrate.toml");
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| env.get(name).cloned();
    match toml {
        Some(body) => {
            std::fs::write(&path, body).unwrap();
            Settings::load(Some(&path), &lookup).map_err(|e| match e {
                ConfigError::Parse { message, .. } => ConfigError::Parse {
                    file: "billmigrate.toml".into(),
                    message,
                },
                other => other,
            })
        }
        None => Settings::from_values(None, file::FileConfig::default().with_env(&lookup), &lookup),
    }
}

#[test]
fn defaults_follow_cli_md() {
    let s = load_with(None, &[]).unwrap();
    assert_eq!(s.legacy_url.expose(), "mysql://root@127.0.0.1:3306/billmgr");
    assert_eq!(
        s.target_url.expose(),
        "postgres://postgres@127.0.0.1:5432/billing"
    );
    assert_eq!(s.legacy_timezone, Tz::UTC);
    assert_eq!(s.mappings_dir, PathBuf::from("mappings"));
    assert_eq!(s.mail.transport, MailTransport::File("outbox-mail".into()));
    assert_eq!(
        (
            s.token_ttl_hours,
            s.default_currency.as_str(),
            s.default_language
        ),
        (168, "UAH", Language::Uk)
    );
    assert_eq!(s.cutoff, None);
}

#[test]
fn file_values_and_environment_overrides() {
    let toml = r#"
[legacy]
url = "mysql://reader@db1:3306/billmgr"
timezone = "Europe/Kyiv"
[cutoff]
date = "2023-02-09"
[defaults]
language = "ru"
"#;
    let s = load_with(
        Some(toml),
        &[
            ("BILLMIGRATE_LEGACY_URL", "mysql://other@db2/billmgr"),
            ("BILLMIGRATE_TOKENS_TTL_HOURS", "24"),
        ],
    )
    .unwrap();
    assert_eq!(s.legacy_url.expose(), "mysql://other@db2/billmgr");
    assert_eq!(s.legacy_timezone.name(), "Europe/Kyiv");
    assert_eq!(s.cutoff, NaiveDate::from_ymd_opt(2023, 2, 9));
    assert_eq!((s.token_ttl_hours, s.default_language), (24, Language::Ru));
}

#[test]
fn unknown_keys_are_rejected_by_name() {
    let err = load_with(
        Some("[legacy]\nurl = \"mysql://a@b/c\"\npasword = \"x\"\n"),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("billmigrate.toml: "), "{err}");
    assert!(err.contains("unknown field `pasword`"), "{err}");
    let err = load_with(Some("[legacyy]\nurl = \"x\"\n"), &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `legacyy`"), "{err}");
}

#[test]
fn invalid_values_name_their_key() {
    let cases: &[(&str, &str)] = &[
        (
            "[legacy]\ntimezone = \"Mars/Base\"\n",
            "legacy.timezone: \"Mars/Base\" is not an IANA time zone name; use one like Europe/Kyiv or UTC",
        ),
        (
            "[cutoff]\ndate = \"09.02.2023\"\n",
            "cutoff.date: \"09.02.2023\" is not a date like 2023-02-09",
        ),
        (
            "[tokens]\nttl_hours = 0\n",
            "tokens.ttl_hours: must be a whole number of hours, at least 1 (default 168)",
        ),
        (
            "[defaults]\ncurrency = \"hryvnia\"\n",
            "defaults.currency: \"hryvnia\" is not a 3-letter currency code; use one like UAH",
        ),
        (
            "[defaults]\nlanguage = \"de\"\n",
            "defaults.language: \"de\": expected uk, ru or en",
        ),
        (
            "[target]\nurl = \"mysql://x@y/z\"\n",
            "target.url: mysql://x@y/z: expected a postgres or postgresql URL",
        ),
        (
            "[mail]\ntransport = \"carrier-pigeon://x\"\n",
            "mail.transport: carrier-pigeon://x: expected a smtp or smtps URL",
        ),
    ];
    for (toml, want) in cases {
        assert_eq!(load_with(Some(toml), &[]).unwrap_err().to_string(), *want);
    }
}

#[test]
fn passwords_are_never_printed() {
    let toml = "[legacy]\nurl = \"mysql://reader:FilePass1@db/billmgr\"\n[mail]\ntransport = \"smtps://mailer@smtp.example:465\"\n";
    let s = load_with(
        Some(toml),
        &[
            ("BILLMIGRATE_TARGET_PASSWORD", "EnvPass2"),
            ("BILLMIGRATE_SMTP_PASSWORD", "SmtpPass3"),
        ],
    )
    .unwrap();
    let shown = format!("{s:?}");
    for secret in ["FilePass1", "EnvPass2", "SmtpPass3"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(s.target_url.expose().contains("EnvPass2"));
    // Error messages about a URL do not show its password either.
    let err = load_with(Some("[target]\nurl = \"mysql://u:Leak4@h/d\"\n"), &[])
        .unwrap_err()
        .to_string();
    assert!(!err.contains("Leak4") && err.contains("u:***@h"), "{err}");
}

#[test]
fn shipped_example_config_is_valid_and_names_every_key() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("billmigrate.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let uncommented: String = text
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|r| r.contains(" = "))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("full.toml");
    std::fs::write(&file, uncommented).unwrap();
    let s = Settings::load(Some(&file), &|_: &str| None).unwrap();
    assert_eq!(s.cutoff, NaiveDate::from_ymd_opt(2023, 2, 9));
    for (key, var) in file::ENV_VARS {
        let name = key.rsplit('.').next().unwrap();
        assert!(
            text.contains(&format!("# {name} = ")),
            "example lacks {key}"
        );
        assert!(text.contains(var), "example lacks {var}");
    }
}

#[test]
fn out_of_scope_account_rows_are_typed_integers_never_sql() {
    let s = load_with(
        Some("[legacy]\nexclude_account_ids = [1, 7]\nexclude_levels = [30]\n"),
        &[],
    )
    .unwrap();
    assert_eq!(s.legacy_exclude_account_ids, [1, 7]);
    assert_eq!(s.legacy_exclude_levels, [30]);
    assert!(
        load_with(None, &[])
            .unwrap()
            .legacy_exclude_account_ids
            .is_empty()
    );
    for bad in [
        "[legacy]\nexclude_levels = \"30 OR 1=1\"\n",
        "[legacy]\nexclude_account_ids = [\"1\"]\n",
    ] {
        let err = load_with(Some(bad), &[]).unwrap_err().to_string();
        assert!(err.contains("exclude_"), "{bad}: {err}");
    }
}
