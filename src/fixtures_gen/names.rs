//! Realistic text for fixtures: people, companies, addresses, domains, emails, phones.
//!
//! Owns the word lists (Ukrainian, Russian and English names with their Latin spelling,
//! company words, cities, streets, mail providers) and the small helpers that combine them.
//! Everything is drawn from the caller's RNG, so text is as deterministic as the rest.

use rand::Rng;
use rand::seq::IndexedRandom;

/// (Cyrillic or native spelling, Latin spelling for logins and emails).
type Word = (&'static str, &'static str);

const MALE_UK: &[Word] = &[
    ("Іван", "ivan"),
    ("Олександр", "oleksandr"),
    ("Андрій", "andrii"),
    ("Дмитро", "dmytro"),
    ("Сергій", "serhii"),
    ("Михайло", "mykhailo"),
    ("Тарас", "taras"),
    ("Богдан", "bohdan"),
    ("Юрій", "yurii"),
    ("Василь", "vasyl"),
    ("Олег", "oleh"),
    ("Максим", "maksym"),
    ("Володимир", "volodymyr"),
    ("Петро", "petro"),
];
const FEMALE_UK: &[Word] = &[
    ("Олена", "olena"),
    ("Наталія", "nataliia"),
    ("Ірина", "iryna"),
    ("Оксана", "oksana"),
    ("Тетяна", "tetiana"),
    ("Марія", "mariia"),
    ("Юлія", "yuliia"),
    ("Світлана", "svitlana"),
    ("Анна", "anna"),
    ("Катерина", "kateryna"),
    ("Людмила", "liudmyla"),
    ("Софія", "sofiia"),
];
const SURNAME_UK: &[Word] = &[
    ("Шевченко", "shevchenko"),
    ("Петренко", "petrenko"),
    ("Коваленко", "kovalenko"),
    ("Бондаренко", "bondarenko"),
    ("Ткаченко", "tkachenko"),
    ("Кравчук", "kravchuk"),
    ("Мельник", "melnyk"),
    ("Бойко", "boiko"),
    ("Олійник", "oliinyk"),
    ("Шевчук", "shevchuk"),
    ("Поліщук", "polishchuk"),
    ("Лисенко", "lysenko"),
    ("Савчук", "savchuk"),
    ("Гончаренко", "honcharenko"),
    ("Руденко", "rudenko"),
    ("Марченко", "marchenko"),
    ("Литвиненко", "lytvynenko"),
    ("Кузьменко", "kuzmenko"),
];
const PATRONYMIC_M: &[&str] = &[
    "Олександрович",
    "Іванович",
    "Петрович",
    "Миколайович",
    "Сергійович",
];
const PATRONYMIC_F: &[&str] = &[
    "Олександрівна",
    "Іванівна",
    "Петрівна",
    "Миколаївна",
    "Сергіївна",
];
const NAME_RU: &[Word] = &[
    ("Алексей Смирнов", "aleksei.smirnov"),
    ("Николай Кузнецов", "nikolai.kuznetsov"),
    ("Елена Попова", "elena.popova"),
    ("Дмитрий Соколов", "dmitrii.sokolov"),
    ("Ольга Морозова", "olga.morozova"),
    ("Игорь Волков", "igor.volkov"),
    ("Татьяна Лебедева", "tatiana.lebedeva"),
    ("Сергей Новиков", "sergei.novikov"),
];
const NAME_EN: &[Word] = &[
    ("John Smith", "john.smith"),
    ("Emily Johnson", "emily.johnson"),
    ("Michael Brown", "michael.brown"),
    ("Sarah Davis", "sarah.davis"),
    ("David Wilson", "david.wilson"),
    ("Laura Taylor", "laura.taylor"),
    ("James Miller", "james.miller"),
    ("Anna Kowalska", "anna.kowalska"),
];
const COMPANY_WORDS: &[Word] = &[
    ("Світанок", "svitanok"),
    ("Агро-Інвест", "agroinvest"),
    ("Будмайстер", "budmaister"),
    ("Техносвіт", "tekhnosvit"),
    ("Кияни", "kyiany"),
    ("Зерно", "zerno"),
    ("Карпати Тур", "karpatytour"),
    ("Медтех", "medtech"),
    ("Дніпро Логістик", "dniprologistic"),
    ("Смарт Софт", "smartsoft"),
    ("Веселка", "veselka"),
    ("Полтава-Трейд", "poltavatrade"),
    ("Digital Forge", "digitalforge"),
    ("Green Pixel", "greenpixel"),
    ("Ромашка", "romashka"),
    ("Кавова Хата", "kavovakhata"),
];
const SITE_WORDS: &[&str] = &[
    "shop", "studio", "blog", "market", "dental", "auto", "travel", "print", "kids", "cafe",
    "beauty", "legal", "build", "agro", "tech", "photo", "flowers", "fitness", "books", "pizza",
];
const TLDS: &[&str] = &[
    ".com.ua", ".com.ua", ".ua", ".com", ".com", ".kiev.ua", ".net", ".org.ua",
];
const MAIL_PROVIDERS: &[&str] = &[
    "gmail.com",
    "ukr.net",
    "i.ua",
    "meta.ua",
    "outlook.com",
    "yahoo.com",
];
/// (city, postcode prefix).
const CITIES: &[(&str, &str)] = &[
    ("Київ", "01"),
    ("Львів", "79"),
    ("Харків", "61"),
    ("Одеса", "65"),
    ("Дніпро", "49"),
    ("Запоріжжя", "69"),
    ("Вінниця", "21"),
    ("Полтава", "36"),
    ("Чернігів", "14"),
    ("Ужгород", "88"),
];
const STREETS: &[&str] = &[
    "вул. Хрещатик",
    "вул. Шевченка",
    "просп. Перемоги",
    "вул. Січових Стрільців",
    "вул. Грушевського",
    "бул. Лесі Українки",
    "вул. Франка",
    "просп. Незалежності",
];

/// A generated person.
pub struct Person {
    /// Full name as shown in a `realname` or a payer's `name` (Cyrillic or Latin).
    pub full: String,
    /// Latin `first.last` for logins and emails.
    pub latin: String,
}

pub fn person<R: Rng>(rng: &mut R) -> Person {
    match rng.random_range(0..100) {
        0..70 => {
            let male = rng.random_bool(0.55);
            let (first, first_l) = *if male { MALE_UK } else { FEMALE_UK }.choose(rng).unwrap();
            let (last, last_l) = *SURNAME_UK.choose(rng).unwrap();
            let patr = *if male { PATRONYMIC_M } else { PATRONYMIC_F }
                .choose(rng)
                .unwrap();
            Person {
                full: format!("{last} {first} {patr}"),
                latin: format!("{first_l}.{last_l}"),
            }
        }
        70..88 => named(*NAME_RU.choose(rng).unwrap()),
        _ => named(*NAME_EN.choose(rng).unwrap()),
    }
}

fn named((full, latin): Word) -> Person {
    Person {
        full: full.to_string(),
        latin: latin.to_string(),
    }
}

/// A company: (legal name, Latin slug for domains).
pub fn company<R: Rng>(rng: &mut R) -> (String, String) {
    let (word, slug) = *COMPANY_WORDS.choose(rng).unwrap();
    let name = match rng.random_range(0..10) {
        0..6 => format!("ТОВ «{word}»"),
        6 => format!("ПП «{word}»"),
        7 => format!("ООО «{word}»"),
        8 => format!("{slug} LLC"),
        _ => format!("ТОВ \"{word}-{}\"", rng.random_range(1..100)),
    };
    (name, slug.to_string())
}

/// A plausible site domain, e.g. `svitanok-shop.com.ua`.
pub fn domain<R: Rng>(rng: &mut R, slug: Option<&str>) -> String {
    let base = match slug {
        Some(s) if rng.random_bool(0.6) => s.to_string(),
        _ => {
            let (_, w) = *COMPANY_WORDS.choose(rng).unwrap();
            w.to_string()
        }
    };
    let tld = *TLDS.choose(rng).unwrap();
    match rng.random_range(0..4) {
        0 => format!("{base}{tld}"),
        1 => format!("{base}-{}{tld}", SITE_WORDS.choose(rng).unwrap()),
        2 => format!("{}-{base}{tld}", SITE_WORDS.choose(rng).unwrap()),
        _ => format!("{base}{}{tld}", rng.random_range(1..1000)),
    }
}

/// A valid personal or company email for a Latin name.
/// A valid personal or company email for a Latin name. Personal addresses carry a random
/// number (`ivan.petrenko4821@ukr.net`) so that different people of a large dataset rarely
/// share one by accident; the same owner on several accounts is a deliberate case.
pub fn email<R: Rng>(rng: &mut R, latin: &str, company_domain: Option<&str>) -> String {
    match company_domain {
        Some(d) if rng.random_bool(0.5) => {
            let local = ["info", "buh", "admin", "office", "director"]
                .choose(rng)
                .unwrap();
            format!("{local}@{d}")
        }
        _ => {
            let provider = MAIL_PROVIDERS.choose(rng).unwrap();
            let n = rng.random_range(1..10_000_000);
            if rng.random_bool(0.7) {
                format!("{latin}{n}@{provider}")
            } else {
                format!("{latin}.{n}@{provider}")
            }
        }
    }
}

/// The mail domain of a company customer (unique per account).
pub fn company_mail_domain(slug: &str, account: i64) -> String {
    format!("{slug}-{account}.com.ua")
}

pub fn phone<R: Rng>(rng: &mut R) -> String {
    let op = ["50", "66", "67", "68", "63", "73", "93", "97", "98", "44"]
        .choose(rng)
        .unwrap();
    format!("+380{op}{:07}", rng.random_range(0..10_000_000))
}

/// (city, postcode, street address).
pub fn address<R: Rng>(rng: &mut R) -> (String, String, String) {
    let (city, prefix) = *CITIES.choose(rng).unwrap();
    let postcode = format!("{prefix}{:03}", rng.random_range(0..1000));
    let street = STREETS.choose(rng).unwrap();
    let addr = if rng.random_bool(0.5) {
        format!(
            "{street}, {}, кв. {}",
            rng.random_range(1..200),
            rng.random_range(1..300)
        )
    } else {
        format!("{street}, {}", rng.random_range(1..200))
    };
    (city.to_string(), postcode, addr)
}

/// A legacy password hash (never migrated; it only has to look real).
pub fn password_hash<R: Rng>(rng: &mut R) -> String {
    let salt: u64 = rng.random();
    let a: u128 = rng.random();
    format!("$1${:08x}${:032x}", salt as u32, a)
}

/// Awkward display names: emoji, SQL-looking text, quotes and backslashes, padding, very long.
pub fn awkward_name<R: Rng>(rng: &mut R) -> String {
    const ODD: &[&str] = &[
        "Кав'ярня ☕ «Зерно»",
        "🚀 Rocket Shop 🇺🇦",
        "Robert'); DROP TABLE account;--",
        "1' OR '1'='1",
        "O'Brien & Sons \"Ltd\"",
        "back\\slash \\' tricky\\",
        "  пробіли навколо  ",
        "",
        "Семён Ёлкин — ёжик",
        "zero\u{200b}width space",
        "%_LIKE wildcards_%",
        "<script>alert(1)</script>",
    ];
    if rng.random_bool(0.08) {
        // The longest value a VARCHAR(255) holds, in 4-byte characters.
        "😀".repeat(100) + &"Довга назва ".repeat(12) + "кінець"
    } else {
        ODD.choose(rng).unwrap().to_string()
    }
}
