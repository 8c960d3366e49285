//! Validated values ("parse, don't validate") and the collector that turns
//! a request's bad fields into one 422 answer.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The JSON field, e.g. `title`.
    pub field: String,
    /// What is wrong, in Chinese for the person filling the form.
    pub message: String,
}

/// Collects field errors while a request is parsed into domain values.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result` under `field`, keeping the value if it parsed.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// Like [`check`](Self::check) for an optional input.
    pub fn check_opt<T, U>(
        &mut self,
        field: &str,
        input: Option<U>,
        parse: impl FnOnce(U) -> Result<T, String>,
    ) -> Option<T> {
        input.and_then(|v| self.check(field, parse(v)))
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.to_owned(), message: message.into() });
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

fn bounded_text(value: &str, min: usize, max: usize, what: &str) -> Result<String, String> {
    let trimmed = value.trim();
    let n = trimmed.chars().count();
    // The bound applies to what was sent, as the API document states it.
    if value.chars().count() > max {
        return Err(format!("{what}不能超过{max}个字符"));
    }
    if n < min {
        return Err(if min == 1 { format!("{what}不能为空") } else { format!("{what}至少{min}个字符") });
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(format!("{what}含有不允许的控制字符"));
    }
    Ok(trimmed.to_owned())
}

/// A mainland mobile number (`1[3-9]` and nine digits) or an E.164 number.
/// `+86` mainland numbers are stored in their 11-digit form so each person has one key.
pub fn phone(value: &str) -> Result<String, String> {
    let v = value.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mainland = |s: &str| s.len() == 11 && digits(s) && s.starts_with('1') && matches!(s.as_bytes()[1], b'3'..=b'9');
    if mainland(v) {
        return Ok(v.to_owned());
    }
    if let Some(rest) = v.strip_prefix("+86")
        && mainland(rest)
    {
        return Ok(rest.to_owned());
    }
    if let Some(rest) = v.strip_prefix('+')
        && digits(rest)
        && (2..=15).contains(&rest.len())
        && !rest.starts_with('0')
        && !rest.starts_with("86")
    {
        return Ok(v.to_owned());
    }
    Err("请输入有效的手机号码(如 13812345678 或 +85291234567)".to_owned())
}

pub fn password(value: &str) -> Result<String, String> {
    let n = value.chars().count();
    if n < 8 {
        return Err("密码至少8位".to_owned());
    }
    if n > 128 {
        return Err("密码不能超过128位".to_owned());
    }
    Ok(value.to_owned())
}

pub fn display_name(value: &str) -> Result<String, String> {
    bounded_text(value, 1, 50, "姓名")
}

pub fn area_name(value: &str) -> Result<String, String> {
    bounded_text(value, 1, 100, "名称")
}

pub fn unit_name(value: &str) -> Result<String, String> {
    bounded_text(value, 1, 100, "单位名称")
}

pub fn wish_title(value: &str) -> Result<String, String> {
    bounded_text(value, 1, 100, "标题")
}

pub fn wish_description(value: &str) -> Result<String, String> {
    bounded_text(value, 0, 2000, "描述")
}

pub fn address(value: &str) -> Result<String, String> {
    bounded_text(value, 1, 200, "地址")
}

/// A free-text note; `required` notes must not be blank.
pub fn note(value: &str) -> Result<String, String> {
    bounded_text(value, 1, 500, "说明")
}

pub fn feedback(value: &str) -> Result<String, String> {
    bounded_text(value, 0, 1000, "评价")
}

/// A deadline must lie in the future.
pub fn deadline(value: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if value <= now {
        return Err("截止时间必须晚于当前时间".to_owned());
    }
    Ok(crate::clock::micros(value))
}

/// Hours of service: more than 0, at most 24, at most two decimals.
/// Kept as hundredths of an hour so the ledger adds up exactly.
pub fn hours(value: f64) -> Result<i32, String> {
    if !value.is_finite() || value <= 0.0 || value > 24.0 {
        return Err("服务时长须大于0且不超过24小时".to_owned());
    }
    let centi = (value * 100.0).round();
    if (value * 100.0 - centi).abs() > 1e-6 {
        return Err("服务时长最多保留两位小数".to_owned());
    }
    Ok(centi as i32)
}

/// Hundredths of an hour back to hours for the API.
pub fn hours_from_centi(centi: i32) -> f64 {
    f64::from(centi) / 100.0
}

pub fn rating(value: i64) -> Result<i16, String> {
    if (1..=5).contains(&value) { Ok(value as i16) } else { Err("评分须为1到5".to_owned()) }
}

/// Masks a resident's name for people who should not know who they are:
/// the family name stays, the rest becomes one `*` ("王小明" → "王*").
pub fn mask_name(name: &str) -> String {
    match name.trim().chars().next() {
        Some(first) => format!("{first}*"),
        None => "*".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(phone("13812345678"), Ok("13812345678".into()));
        assert_eq!(phone(" +8613812345678 "), Ok("13812345678".into()));
        assert_eq!(phone("+85291234567"), Ok("+85291234567".into()));
        for bad in ["12812345678", "1381234567", "138123456789", "+0123", "+86123", "abc", "", "+"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hours_are_positive_at_most_a_day_with_two_decimals() {
        assert_eq!(hours(1.5), Ok(150));
        assert_eq!(hours(24.0), Ok(2400));
        assert_eq!(hours(0.01), Ok(1));
        assert_eq!(hours(0.1 + 0.2), Ok(30));
        for bad in [0.0, -1.0, 24.01, 1.234, f64::NAN, f64::INFINITY] {
            assert!(hours(bad).is_err(), "{bad}");
        }
        assert_eq!(hours_from_centi(150), 1.5);
    }

    #[test]
    fn text_bounds() {
        assert_eq!(wish_title("  轮椅  "), Ok("轮椅".into()));
        assert!(wish_title("   ").is_err());
        assert!(wish_title(&"愿".repeat(101)).is_err());
        assert!(wish_title(&"愿".repeat(100)).is_ok());
        assert!(wish_title(&format!(" {}", "愿".repeat(100))).is_err(), "the bound counts what was sent");
        assert!(wish_description("").is_ok());
        assert!(display_name("a\u{0}b").is_err());
    }

    #[test]
    fn names_are_masked_to_the_family_name() {
        assert_eq!(mask_name("王小明"), "王*");
        assert_eq!(mask_name("王*明"), "王*");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(mask_name(""), "*");
    }

    #[test]
    fn violations_collect_every_field() {
        let mut v = Violations::new();
        assert_eq!(v.check("a", wish_title("ok")), Some("ok".to_owned()));
        assert_eq!(v.check("b", wish_title("")), None);
        assert_eq!(v.check_opt("c", Some(0.0), hours), None);
        let errs = v.finish().unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    }
}
