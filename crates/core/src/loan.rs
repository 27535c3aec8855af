//! The terms of a booked car loan: product, repayment method and the contract figures a schedule
//! is built from.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::money::Fen;
use crate::rate::AnnualRate;

/// The longest term recoup accepts, in months (car loans in China run 12–60 months).
pub const MAX_TERM_MONTHS: u32 = 120;

/// The loan product, as the lender sells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// 新车贷款: a loan to buy a new car.
    NewCar,
    /// 二手车贷款: a loan to buy a used car.
    UsedCar,
    /// 汽车抵押贷: a loan secured on a car the borrower already owns.
    CarMortgage,
}

/// How principal and interest are spread over the term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepaymentMethod {
    /// 等额本息: equal payments; interest falls and principal rises over the term.
    EqualInstallment,
    /// 等额本金: equal principal each period plus interest on the remaining balance.
    EqualPrincipal,
    /// 一次性还本 (先息后本): interest each period, all principal in the last period.
    Bullet,
}

/// Why text did not name a product or method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not one of: {expected}")]
pub struct UnknownName {
    pub text: String,
    pub expected: &'static str,
}

impl Product {
    pub const ALL: [Product; 3] = [Product::NewCar, Product::UsedCar, Product::CarMortgage];

    pub fn code(self) -> &'static str {
        match self {
            Product::NewCar => "new_car",
            Product::UsedCar => "used_car",
            Product::CarMortgage => "car_mortgage",
        }
    }
}

impl FromStr for Product {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Product, UnknownName> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "new_car" | "新车" | "新车贷款" => Ok(Product::NewCar),
            "used_car" | "二手车" | "二手车贷款" => Ok(Product::UsedCar),
            "car_mortgage" | "汽车抵押贷" | "车抵贷" => Ok(Product::CarMortgage),
            _ => Err(UnknownName {
                text: text.to_string(),
                expected: "new_car, used_car, car_mortgage",
            }),
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl RepaymentMethod {
    pub const ALL: [RepaymentMethod; 3] = [
        RepaymentMethod::EqualInstallment,
        RepaymentMethod::EqualPrincipal,
        RepaymentMethod::Bullet,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RepaymentMethod::EqualInstallment => "equal_installment",
            RepaymentMethod::EqualPrincipal => "equal_principal",
            RepaymentMethod::Bullet => "bullet",
        }
    }
}

impl FromStr for RepaymentMethod {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<RepaymentMethod, UnknownName> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "equal_installment" | "等额本息" => Ok(RepaymentMethod::EqualInstallment),
            "equal_principal" | "等额本金" => Ok(RepaymentMethod::EqualPrincipal),
            "bullet" | "一次性还款" | "先息后本" => Ok(RepaymentMethod::Bullet),
            _ => Err(UnknownName {
                text: text.to_string(),
                expected: "equal_installment, equal_principal, bullet",
            }),
        }
    }
}

impl fmt::Display for RepaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The contract figures a repayment schedule is built from. Build it with [`LoanTerms::new`],
/// which checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanTerms {
    principal: Fen,
    annual_rate: AnnualRate,
    term_months: u32,
    method: RepaymentMethod,
    disbursement_date: NaiveDate,
    repayment_day: u32,
}

/// Why loan terms are not a loan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("principal must be more than 0.00, got {0}")]
    Principal(Fen),
    #[error("term must be 1 to {MAX_TERM_MONTHS} months, got {0}")]
    Term(u32),
    #[error("repayment day must be 1 to 31, got {0}")]
    RepaymentDay(u32),
}

impl LoanTerms {
    pub fn new(
        principal: Fen,
        annual_rate: AnnualRate,
        term_months: u32,
        method: RepaymentMethod,
        disbursement_date: NaiveDate,
        repayment_day: u32,
    ) -> Result<LoanTerms, TermsError> {
        // Ten billion yuan keeps every intermediate product of the schedule inside i64/i128.
        if !principal.is_positive() || principal.get() > 1_000_000_000_000 {
            return Err(TermsError::Principal(principal));
        }
        if !(1..=MAX_TERM_MONTHS).contains(&term_months) {
            return Err(TermsError::Term(term_months));
        }
        if !(1..=31).contains(&repayment_day) {
            return Err(TermsError::RepaymentDay(repayment_day));
        }
        Ok(LoanTerms {
            principal,
            annual_rate,
            term_months,
            method,
            disbursement_date,
            repayment_day,
        })
    }

    pub fn principal(&self) -> Fen {
        self.principal
    }
    pub fn annual_rate(&self) -> AnnualRate {
        self.annual_rate
    }
    pub fn term_months(&self) -> u32 {
        self.term_months
    }
    pub fn method(&self) -> RepaymentMethod {
        self.method
    }
    pub fn disbursement_date(&self) -> NaiveDate {
        self.disbursement_date
    }
    pub fn repayment_day(&self) -> u32 {
        self.repayment_day
    }
}
