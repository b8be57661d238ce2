//! Money as an analyst reads it: $1.03B, $240.1M, $85.0K, $512.

/// Formats an amount with three or four significant figures and a suffix.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    let (value, suffix) = if a >= 1e12 {
        (a / 1e12, "T")
    } else if a >= 1e9 {
        (a / 1e9, "B")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e3 {
        (a / 1e3, "K")
    } else {
        return format!("{sign}${a:.0}");
    };
    // Two decimals below 10 ($1.03B), one above ($240.1M).
    let text = if value < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.1}")
    };
    format!("{sign}${text}{suffix}")
}

/// A probability as a percentage with one decimal.
pub fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// An integer with thousands separators: 1,000,000.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_an_analyst_writes_it() {
        assert_eq!(money(1.034e9), "$1.03B");
        assert_eq!(money(240.14e6), "$240.1M");
        assert_eq!(money(85_000.0), "$85.0K");
        assert_eq!(money(512.4), "$512");
        assert_eq!(money(-2.5e6), "-$2.50M");
        assert_eq!(money(3.2e12), "$3.20T");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
