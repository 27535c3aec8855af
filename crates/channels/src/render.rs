//! Filling a contact template's placeholders with a case's figures.
//!
//! The shipped templates (`strategies/templates/*.toml`) use `{name}` (the borrower's name),
//! `{amount}` (yuan, two decimals), `{due_date}` (YYYY-MM-DD), `{loan_no}`, `{lender}` (the
//! lender's name), `{phone}` (the lender's service number) and `{days}` (days past due). A
//! placeholder outside this list, or a brace that opens no placeholder, is an error naming it:
//! a borrower must never receive a text with `{…}` in it.

use chrono::NaiveDate;
use recoup_core::Fen;

/// The figures a template may show, for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub name: String,
    /// What the borrower is asked to pay: the arrears when overdue, else the next installment.
    pub amount: Fen,
    /// The oldest unpaid due date when overdue, else the next due date.
    pub due_date: Option<NaiveDate>,
    pub loan_no: String,
    pub lender: String,
    pub service_phone: String,
    pub days_past_due: u32,
}

/// Why a template cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("unknown placeholder `{{{0}}}` (known: name, amount, due_date, loan_no, lender, phone, days)")]
    UnknownPlaceholder(String),
    #[error("unclosed `{{` at byte {0}")]
    Unclosed(usize),
    #[error("the case has no due date for `{{due_date}}`")]
    NoDueDate,
}

/// The placeholders `render` knows.
pub const PLACEHOLDERS: [&str; 7] = [
    "name", "amount", "due_date", "loan_no", "lender", "phone", "days",
];

/// `template` with every placeholder replaced by its figure.
pub fn render(template: &str, figures: &Figures) -> Result<String, RenderError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open + 1..).unwrap_or_default();
        let Some(close) = after.find('}') else {
            return Err(RenderError::Unclosed(offset + open));
        };
        let key = after.get(..close).unwrap_or_default();
        match key {
            "name" => out.push_str(&figures.name),
            "amount" => out.push_str(&figures.amount.to_yuan_string()),
            "due_date" => {
                let date = figures.due_date.ok_or(RenderError::NoDueDate)?;
                out.push_str(&date.format("%Y-%m-%d").to_string());
            }
            "loan_no" => out.push_str(&figures.loan_no),
            "lender" => out.push_str(&figures.lender),
            "phone" => out.push_str(&figures.service_phone),
            "days" => out.push_str(&figures.days_past_due.to_string()),
            other => return Err(RenderError::UnknownPlaceholder(other.to_string())),
        }
        let consumed = open + 1 + close + 1;
        offset += consumed;
        rest = rest.get(consumed..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> Figures {
        Figures {
            name: "张三".into(),
            amount: Fen::new(123_456),
            due_date: NaiveDate::from_ymd_opt(2026, 11, 25),
            loan_no: "L20260001".into(),
            lender: "某汽车金融".into(),
            service_phone: "400-800-8000".into(),
            days_past_due: 12,
        }
    }

    #[test]
    fn every_placeholder_is_filled_and_money_is_yuan_with_two_decimals() {
        let text = "【{lender}】{name}：合同{loan_no}逾期{days}天，应还{amount}元，还款日{due_date}，电话{phone}。";
        assert_eq!(
            render(text, &figures()).unwrap(),
            "【某汽车金融】张三：合同L20260001逾期12天，应还1234.56元，还款日2026-11-25，电话400-800-8000。"
        );
        let small = Figures {
            amount: Fen::new(5),
            ..figures()
        };
        assert_eq!(render("{amount}", &small).unwrap(), "0.05");
    }

    #[test]
    fn unknown_or_broken_placeholders_are_errors() {
        assert_eq!(
            render("hi {nickname}", &figures()),
            Err(RenderError::UnknownPlaceholder("nickname".into()))
        );
        assert_eq!(
            render("hi {name", &figures()),
            Err(RenderError::Unclosed(3))
        );
        let no_date = Figures {
            due_date: None,
            ..figures()
        };
        assert_eq!(render("{due_date}", &no_date), Err(RenderError::NoDueDate));
    }

    #[test]
    fn every_shipped_sms_template_renders() {
        for file in [
            include_str!("../../../strategies/templates/zh-CN.toml"),
            include_str!("../../../strategies/templates/en.toml"),
        ] {
            for line in file.lines().filter(|l| l.starts_with("text = ")) {
                let text = line.trim_start_matches("text = ").trim_matches('"');
                let rendered = render(text, &figures()).unwrap();
                assert!(!rendered.contains('{'), "{rendered}");
            }
        }
    }
}
