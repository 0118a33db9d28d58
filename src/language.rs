//! The languages the new billing writes emails in (R7.3). A plain value below every module,
//! so the settings (`defaults.language`) and the rules can both name it without importing
//! each other.

/// A language the new billing writes emails in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Uk,
    Ru,
    En,
}

impl Language {
    /// R7.3: exactly `uk`, `ru` or `en`; anything else is not a language of ours.
    pub fn parse_exact(value: &str) -> Option<Language> {
        match value {
            "uk" => Some(Language::Uk),
            "ru" => Some(Language::Ru),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Uk => "uk",
            Language::Ru => "ru",
            Language::En => "en",
        }
    }
}
