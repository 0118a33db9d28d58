//! The email texts: one plain-text and one HTML template per kind and language, kept as
//! files under templates/email/ the provider can edit (embedded at build time). The first
//! line of each .txt is `Subject: …`. HTML templates escape every value.

use minijinja::{Environment, Value};

use crate::rules::Language;

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/email/", $name)))),+]
    };
}

const FILES: &[(&str, &str)] = templates!(
    "owner_welcome.uk.txt",
    "owner_welcome.ru.txt",
    "owner_welcome.en.txt",
    "owner_welcome.uk.html",
    "owner_welcome.ru.html",
    "owner_welcome.en.html",
    "owner_client_added.uk.txt",
    "owner_client_added.ru.txt",
    "owner_client_added.en.txt",
    "owner_client_added.uk.html",
    "owner_client_added.ru.html",
    "owner_client_added.en.html",
    "invitation.uk.txt",
    "invitation.ru.txt",
    "invitation.en.txt",
    "invitation.uk.html",
    "invitation.ru.html",
    "invitation.en.html",
);

/// A rendered email.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        // .html escapes values; .txt does not (minijinja picks by file extension).
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_keep_trailing_newline(true);
        for (name, source) in FILES {
            env.add_template(name, source)
                .expect("embedded templates are valid");
        }
        Templates { env }
    }

    pub fn render(
        &self,
        kind: &str,
        language: Language,
        ctx: &Value,
    ) -> Result<Rendered, minijinja::Error> {
        let lang = language.as_str();
        let text = self
            .env
            .get_template(&format!("{kind}.{lang}.txt"))?
            .render(ctx)?;
        let html = self
            .env
            .get_template(&format!("{kind}.{lang}.html"))?
            .render(ctx)?;
        let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
        let subject = first
            .strip_prefix("Subject:")
            .unwrap_or(first)
            .trim()
            .to_owned();
        Ok(Rendered {
            subject,
            text: body.to_owned(),
            html,
        })
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

const MONTHS_UK: [&str; 12] = [
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
];
const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The cutoff date as people write it in each language ("9 лютого 2023 р.", "9 February 2023").
pub fn long_date(date: chrono::NaiveDate, language: Language) -> String {
    use chrono::Datelike;
    let m = date.month0() as usize;
    match language {
        Language::Uk => format!("{} {} {} р.", date.day(), MONTHS_UK[m], date.year()),
        Language::Ru => format!("{} {} {} г.", date.day(), MONTHS_RU[m], date.year()),
        Language::En => format!("{} {} {}", date.day(), MONTHS_EN[m], date.year()),
    }
}

/// A permission in words; unknown names are shown as they are.
pub fn permission_words(name: &str, language: Language) -> String {
    let (uk, ru, en) = match name {
        "affiliates" => (
            "керувати партнерською програмою",
            "управлять партнёрской программой",
            "manage the partner program",
        ),
        "domains" => ("керувати доменами", "управлять доменами", "manage domains"),
        "invoices" => (
            "переглядати та сплачувати рахунки",
            "просматривать и оплачивать счета",
            "view and pay invoices",
        ),
        "payers" => (
            "керувати платниками",
            "управлять плательщиками",
            "manage payers",
        ),
        "payments" => (
            "поповнювати баланс і бачити платежі",
            "пополнять баланс и видеть платежи",
            "top up the balance and see payments",
        ),
        "profile" => (
            "змінювати дані клієнта",
            "изменять данные клиента",
            "edit the client's details",
        ),
        "services" => (
            "замовляти та керувати послугами",
            "заказывать и управлять услугами",
            "order and manage services",
        ),
        "tickets" => (
            "писати в підтримку",
            "писать в поддержку",
            "write to support",
        ),
        "users" => (
            "керувати користувачами",
            "управлять пользователями",
            "manage users",
        ),
        other => (other, other, other),
    };
    match language {
        Language::Uk => uk,
        Language::Ru => ru,
        Language::En => en,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_in_every_language_and_html_is_escaped() {
        let t = Templates::new();
        let ctx = minijinja::context! {
            name => "Іван <script>",
            clients => vec![minijinja::context! { number => 42, name => "ТОВ «Ромашка» & Co" }],
            client => minijinja::context! { number => 42, name => "ТОВ «Ромашка» & Co" },
            link => "https://new.example/set?token=abc",
            old_billing_url => "https://old.example", new_billing_url => "https://new.example",
            cutoff => "9 лютого 2023 р.", support => "support@example.ua", ttl_days => 7,
            permissions => vec!["view and pay invoices"],
        };
        for kind in ["owner_welcome", "owner_client_added", "invitation"] {
            for lang in [Language::Uk, Language::Ru, Language::En] {
                let r = t.render(kind, lang, &ctx).unwrap();
                assert!(
                    !r.subject.is_empty() && !r.subject.contains('\n'),
                    "{kind} {lang:?}"
                );
                assert!(
                    r.text.contains("support@example.ua"),
                    "{kind} {lang:?}: {}",
                    r.text
                );
                assert!(
                    r.html.contains("&amp; Co")
                        || kind == "owner_client_added" && r.html.contains("&amp;"),
                    "{kind} {lang:?}: {}",
                    r.html
                );
                assert!(!r.html.contains("<script>"));
            }
        }
        let welcome = t.render("owner_welcome", Language::Uk, &ctx).unwrap();
        assert!(
            welcome.text.contains("https://new.example/set?token=abc")
                && welcome.text.contains("9 лютого 2023 р.")
        );
        assert!(welcome.text.contains("№42 «ТОВ «Ромашка» & Co»"));
    }

    /// What a reader sees of an HTML part: tags removed (a line break for block ends),
    /// entities decoded, white space collapsed.
    fn visible(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('>')
                .map_or(rest.len(), |e| start + e + 1);
            let tag = &rest[start..end];
            if ["<br", "</p", "</li", "</h2", "<ul"]
                .iter()
                .any(|t| tag.starts_with(t))
            {
                out.push('\n');
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        collapse(&decode(&out))
    }

    /// The entities minijinja writes, decoded (`&` last).
    fn decode(s: &str) -> String {
        [
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&quot;", "\""),
            ("&#x27;", "'"),
            ("&#39;", "'"),
            ("&#x2f;", "/"),
            ("&amp;", "&"),
        ]
        .iter()
        .fold(s.to_owned(), |s, (from, to)| s.replace(from, to))
    }

    fn collapse(s: &str) -> String {
        s.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// #17.2: every kind in every language, the text and HTML parts say the same things —
    /// the link, how long it works, the cutoff date, the client list, the permissions, the
    /// addresses — and the HTML has no stray `(7)` or doubled full stop.
    #[test]
    fn text_and_html_parts_say_the_same() {
        let t = Templates::new();
        let cutoff = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let link = "https://new.example/set-password?token=AbC-123_xyz";
        for lang in [Language::Uk, Language::Ru, Language::En] {
            let words = vec![
                permission_words("invoices", lang),
                permission_words("tickets", lang),
            ];
            let ctx = minijinja::context! {
                name => "Іван",
                clients => vec![
                    minijinja::context! { number => 26, name => "ТОВ «Ромашка» & Co" },
                    minijinja::context! { number => 27, name => "Say \"hi\" <b>" },
                ],
                client => minijinja::context! { number => 26, name => "ТОВ «Ромашка» & Co" },
                link, permissions => words.clone(),
                old_billing_url => "https://old.example/billmgr", new_billing_url => "https://new.example",
                cutoff => long_date(cutoff, lang), support => "support@example.ua", ttl_days => 7,
            };
            for kind in ["owner_welcome", "owner_client_added", "invitation"] {
                let r = t.render(kind, lang, &ctx).unwrap();
                let (text, html) = (collapse(&r.text), visible(&r.html));
                let at = format!("{kind} {lang:?}");
                // The link: in the text as it is, in the HTML as the button's target.
                assert_eq!(text.contains(link), kind != "owner_client_added", "{at}");
                assert_eq!(
                    decode(&r.html).contains(&format!("href=\"{link}\"")),
                    text.contains(link),
                    "{at}: {}",
                    r.html
                );
                // How long it works: the text's parenthesis, word for word.
                let validity = text
                    .lines()
                    .find(|l| l.contains("(") && l.contains(" 7 "))
                    .map(|l| &l[l.find('(').unwrap()..=l.find(')').unwrap()]);
                if let Some(validity) = validity {
                    assert!(html.contains(validity), "{at}: {validity} in\n{html}");
                }
                assert!(!html.contains("(7)"), "{at}: a stray (7)\n{html}");
                // The facts quoted in the text are in the HTML too.
                let date = long_date(cutoff, lang);
                for fact in [
                    date.as_str(),
                    "(https://old.example/billmgr)",
                    "(https://new.example)",
                    "support@example.ua",
                ] {
                    assert_eq!(
                        text.contains(fact),
                        html.contains(fact),
                        "{at}: {fact}\n{text}\n---\n{html}"
                    );
                }
                assert!(
                    !html.contains("..") && !html.contains(". ."),
                    "{at}: doubled full stop\n{html}"
                );
                // Every list item and every client reference reads the same in both parts.
                for line in text.lines().filter_map(|l| l.strip_prefix("• ")) {
                    assert!(
                        html.lines().any(|h| h == line),
                        "{at}: {line:?} not in\n{html}"
                    );
                }
                let number = |n: u32| match lang {
                    Language::En => format!("No. {n} \""),
                    _ => format!("№{n} «"),
                };
                for n in [26, 27] {
                    assert_eq!(
                        text.contains(&number(n)),
                        html.contains(&number(n)),
                        "{at}: client {n}\n{text}\n---\n{html}"
                    );
                }
                assert!(
                    !html.contains(if lang == Language::En { "№" } else { "No. " }),
                    "{at}"
                );
            }
        }
    }

    #[test]
    fn cutoff_dates_in_each_language() {
        let d = chrono::NaiveDate::from_ymd_opt(2023, 2, 9).unwrap();
        assert_eq!(long_date(d, Language::Uk), "9 лютого 2023 р.");
        assert_eq!(long_date(d, Language::Ru), "9 февраля 2023 г.");
        assert_eq!(long_date(d, Language::En), "9 February 2023");
    }
}
