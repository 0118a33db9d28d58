//! Horizontal bar charts as inline SVG, drawn by the tool: no library, no fetched picture.
//! Each bar carries `data-label` and `data-value` so a test (or a curious person with the
//! developer tools) reads the exact number the bar stands for.

use std::fmt::Write as _;

use super::html::escape;

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// What the bar's length is proportional to (a count of accounts or services).
    pub length: u64,
    /// The number written next to the bar, formatted for people.
    pub text: String,
    /// The exact value for machines: the count, or an amount as "1234.56".
    pub value: String,
    /// CSS class giving the colour (`ok`, `hold`, `warn`, `info`).
    pub tone: &'static str,
}

impl Bar {
    pub fn count(label: &str, n: u64, tone: &'static str) -> Bar {
        Bar {
            label: label.to_owned(),
            length: n,
            text: thousands(n),
            value: n.to_string(),
            tone,
        }
    }
}

const LABEL_W: u64 = 190;
const BAR_W: u64 = 200;
const ROW_H: u64 = 26;

/// A titled chart (`id` names it for tests); an empty list says "none".
pub fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption>",
        escape(id),
        escape(title)
    );
    if bars.is_empty() {
        out.push_str("<p class=\"none\">none</p></figure>");
        return out;
    }
    let max = bars.iter().map(|b| b.length).max().unwrap_or(0).max(1);
    let height = ROW_H * bars.len() as u64 + 4;
    let width = LABEL_W + BAR_W + 240;
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = ROW_H * i as u64 + 2;
        // Integer arithmetic: a visible sliver for any non-zero count.
        let w = match bar.length {
            0 => 0,
            n => (u128::from(n) * u128::from(BAR_W) / u128::from(max)).max(2) as u64,
        };
        let label = escape(&bar.label);
        let _ = write!(
            out,
            "<g class=\"bar {}\" data-label=\"{label}\" data-value=\"{}\">\
             <title>{label}: {}</title>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{LABEL_W}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"3\"/>\
             <text class=\"num\" x=\"{}\" y=\"{}\">{}</text></g>",
            bar.tone,
            escape(&bar.value),
            escape(&bar.text),
            LABEL_W - 8,
            y + 17,
            y + 3,
            ROW_H - 6,
            LABEL_W + w + 6,
            y + 17,
            escape(&bar.text),
        );
    }
    out.push_str("</svg></figure>");
    out
}

/// 1234567 → "1 234 567" (a thin space reads well in every language support speaks).
pub fn thousands(n: u64) -> String {
    group(&n.to_string())
}

/// Groups the integer digits of a decimal string: "-1234567.89" → "-1 234 567.89".
pub fn group(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(thousands(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(group("-1234.50"), "-1\u{2009}234.50");
        assert_eq!(group("999.00"), "999.00");
    }

    #[test]
    fn labels_are_escaped_and_values_exact() {
        let svg = bar_chart("c", "T", &[Bar::count("<script>", 5, "ok")]);
        assert!(svg.contains("data-label=\"&lt;script&gt;\" data-value=\"5\""));
        assert!(!svg.contains("<script>"));
    }
}
