//! Type-checking conditions against the case facts and compiling them to a small typed tree
//! that evaluates without lookups: fields are resolved to enum variants, parameters folded to
//! constants, enum comparisons turned into bit masks.
//!
//! Why compile rather than interpret CEL per case: the issue asks for a million cases a second
//! per core including compliance. An interpreter resolves names, boxes values and checks types
//! on every evaluation; the compiled tree does one `match` per node and no allocation.

use std::collections::BTreeMap;

use recoup_core::case::{CaseFacts, Contactability, DelayReason, Quadrant, Stage, Temperament};

use crate::expr::{BinaryOp, ExprError, Node, NodeKind, UnaryOp};

/// The stages in the order of their bit in a stage mask.
pub(crate) const STAGES: [Stage; 8] = [
    Stage::PreDue,
    Stage::Early,
    Stage::Middle,
    Stage::Late,
    Stage::Legal,
    Stage::AssetPreservation,
    Stage::Agency,
    Stage::WrittenOff,
];

pub(crate) fn stage_index(stage: Stage) -> usize {
    match stage {
        Stage::PreDue => 0,
        Stage::Early => 1,
        Stage::Middle => 2,
        Stage::Late => 3,
        Stage::Legal => 4,
        Stage::AssetPreservation => 5,
        Stage::Agency => 6,
        Stage::WrittenOff => 7,
    }
}

/// What a condition sees: the facts, and the stage in force. In stage rules that is the stage
/// stored on the case; in segment and treatment conditions it is the stage the rules chose.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) facts: &'a CaseFacts,
    pub(crate) stage: Stage,
}

/// Integer-valued fields (counts, days, scores and money in fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntField {
    Dpd,
    MonthsOnBook,
    TimesDelinquent,
    FailedDebits,
    BrokenPromises,
    PromisesKept,
    RiskScore,
    VehicleRisk,
    DaysInStage,
    CaseId,
    BorrowerId,
    NextDueAmount,
    TotalArrears,
    PrincipalOutstanding,
    LoanPrincipal,
}

/// Integer fields that may be absent. The variants mirror the `CaseFacts` field names, which
/// all happen to start with "days".
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptField {
    DaysToNextDue,
    DaysSinceLastPayment,
    DaysSinceLastContact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoolField {
    DebitFailedToday,
    RepeatedDelinquency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnumField {
    Stage,
    Quadrant,
    Contactability,
    DelayReason,
    Temperament,
}

/// The type of a numeric value: money is kept apart from plain integers so that a threshold in
/// yuan is never compared with a count by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumType {
    Int,
    Money,
}

impl NumType {
    fn name(self) -> &'static str {
        match self {
            NumType::Int => "int",
            NumType::Money => "money",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldRef {
    Int(IntField, NumType),
    Opt(OptField),
    Bool(BoolField),
    Enum(EnumField),
    Bucket,
}

/// Every field a condition may read, by name. docs/strategy.md lists the same names; a test
/// keeps the two in step.
const FIELDS: [(&str, FieldRef); 25] = [
    ("dpd", FieldRef::Int(IntField::Dpd, NumType::Int)),
    (
        "months_on_book",
        FieldRef::Int(IntField::MonthsOnBook, NumType::Int),
    ),
    (
        "times_delinquent",
        FieldRef::Int(IntField::TimesDelinquent, NumType::Int),
    ),
    (
        "failed_debits",
        FieldRef::Int(IntField::FailedDebits, NumType::Int),
    ),
    (
        "broken_promises",
        FieldRef::Int(IntField::BrokenPromises, NumType::Int),
    ),
    (
        "promises_kept",
        FieldRef::Int(IntField::PromisesKept, NumType::Int),
    ),
    (
        "risk_score",
        FieldRef::Int(IntField::RiskScore, NumType::Int),
    ),
    (
        "vehicle_risk",
        FieldRef::Int(IntField::VehicleRisk, NumType::Int),
    ),
    (
        "days_in_stage",
        FieldRef::Int(IntField::DaysInStage, NumType::Int),
    ),
    ("case_id", FieldRef::Int(IntField::CaseId, NumType::Int)),
    (
        "borrower_id",
        FieldRef::Int(IntField::BorrowerId, NumType::Int),
    ),
    (
        "next_due_amount",
        FieldRef::Int(IntField::NextDueAmount, NumType::Money),
    ),
    (
        "total_arrears",
        FieldRef::Int(IntField::TotalArrears, NumType::Money),
    ),
    (
        "principal_outstanding",
        FieldRef::Int(IntField::PrincipalOutstanding, NumType::Money),
    ),
    (
        "loan_principal",
        FieldRef::Int(IntField::LoanPrincipal, NumType::Money),
    ),
    ("days_to_next_due", FieldRef::Opt(OptField::DaysToNextDue)),
    (
        "days_since_last_payment",
        FieldRef::Opt(OptField::DaysSinceLastPayment),
    ),
    (
        "days_since_last_contact",
        FieldRef::Opt(OptField::DaysSinceLastContact),
    ),
    (
        "debit_failed_today",
        FieldRef::Bool(BoolField::DebitFailedToday),
    ),
    (
        "repeated_delinquency",
        FieldRef::Bool(BoolField::RepeatedDelinquency),
    ),
    ("stage", FieldRef::Enum(EnumField::Stage)),
    ("quadrant", FieldRef::Enum(EnumField::Quadrant)),
    ("contactability", FieldRef::Enum(EnumField::Contactability)),
    ("delay_reason", FieldRef::Enum(EnumField::DelayReason)),
    ("temperament", FieldRef::Enum(EnumField::Temperament)),
];

/// The names conditions may use as fields (plus `bucket`), for documentation checks.
pub fn field_names() -> impl Iterator<Item = &'static str> {
    FIELDS
        .iter()
        .map(|(name, _)| *name)
        .chain(std::iter::once("bucket"))
}

fn lookup_field(name: &str) -> Option<FieldRef> {
    if name == "bucket" {
        return Some(FieldRef::Bucket);
    }
    FIELDS
        .iter()
        .find(|(field, _)| *field == name)
        .map(|(_, field)| *field)
}

impl EnumField {
    fn name(self) -> &'static str {
        match self {
            EnumField::Stage => "stage",
            EnumField::Quadrant => "quadrant",
            EnumField::Contactability => "contactability",
            EnumField::DelayReason => "delay_reason",
            EnumField::Temperament => "temperament",
        }
    }

    /// The codes of the enum in bit order.
    fn codes(self) -> Vec<&'static str> {
        match self {
            EnumField::Stage => STAGES.iter().map(|s| s.code()).collect(),
            EnumField::Quadrant => QUADRANTS.iter().map(|q| q.code()).collect(),
            EnumField::Contactability => CONTACTABILITY.iter().map(|c| c.code()).collect(),
            EnumField::DelayReason => DELAY_REASONS.iter().map(|r| r.code()).collect(),
            EnumField::Temperament => TEMPERAMENTS.iter().map(|t| t.code()).collect(),
        }
    }

    #[inline]
    fn bit(self, ctx: Ctx<'_>) -> u16 {
        let facts = ctx.facts;
        let index = match self {
            EnumField::Stage => stage_index(ctx.stage),
            EnumField::Quadrant => match facts.quadrant {
                Quadrant::WillingAndAble => 0,
                Quadrant::WillingNotAble => 1,
                Quadrant::AbleNotWilling => 2,
                Quadrant::NeitherWillingNorAble => 3,
            },
            EnumField::Contactability => match facts.contactability {
                Contactability::Contactable => 0,
                Contactability::LostContact => 1,
            },
            EnumField::DelayReason => match facts.delay_reason {
                DelayReason::EconomicHardship => 0,
                DelayReason::DeliberateDefault => 1,
                DelayReason::InvolvedInLegalCase => 2,
                DelayReason::Bankruptcy => 3,
                DelayReason::VehicleAccident => 4,
                DelayReason::Other => 5,
                DelayReason::Unknown => 6,
            },
            EnumField::Temperament => match facts.temperament {
                Temperament::Worried => 0,
                Temperament::Evasive => 1,
                Temperament::Angry => 2,
                Temperament::Cooperative => 3,
                Temperament::Unknown => 4,
            },
        };
        1 << index
    }
}

const QUADRANTS: [Quadrant; 4] = [
    Quadrant::WillingAndAble,
    Quadrant::WillingNotAble,
    Quadrant::AbleNotWilling,
    Quadrant::NeitherWillingNorAble,
];
const CONTACTABILITY: [Contactability; 2] =
    [Contactability::Contactable, Contactability::LostContact];
const DELAY_REASONS: [DelayReason; 7] = [
    DelayReason::EconomicHardship,
    DelayReason::DeliberateDefault,
    DelayReason::InvolvedInLegalCase,
    DelayReason::Bankruptcy,
    DelayReason::VehicleAccident,
    DelayReason::Other,
    DelayReason::Unknown,
];
const TEMPERAMENTS: [Temperament; 5] = [
    Temperament::Worried,
    Temperament::Evasive,
    Temperament::Angry,
    Temperament::Cooperative,
    Temperament::Unknown,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    #[inline]
    fn apply(self, lhs: i64, rhs: i64) -> bool {
        match self {
            CmpOp::Eq => lhs == rhs,
            CmpOp::Ne => lhs != rhs,
            CmpOp::Lt => lhs < rhs,
            CmpOp::Le => lhs <= rhs,
            CmpOp::Gt => lhs > rhs,
            CmpOp::Ge => lhs >= rhs,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// A compiled numeric expression. Evaluates to `None` when an optional field is absent or the
/// arithmetic overflows or divides by zero; a comparison with `None` is false. That makes the
/// evaluator total: no strategy file can make it panic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IntExpr {
    Lit(i64),
    Field(IntField),
    Opt(OptField),
    Neg(Box<IntExpr>),
    Arith(ArithOp, Box<IntExpr>, Box<IntExpr>),
}

impl IntExpr {
    #[inline]
    fn eval(&self, facts: &CaseFacts) -> Option<i64> {
        match self {
            IntExpr::Lit(value) => Some(*value),
            IntExpr::Field(field) => Some(int_field(facts, *field)),
            IntExpr::Opt(field) => opt_field(facts, *field),
            IntExpr::Neg(inner) => inner.eval(facts)?.checked_neg(),
            IntExpr::Arith(op, lhs, rhs) => {
                let lhs = lhs.eval(facts)?;
                let rhs = rhs.eval(facts)?;
                arith(*op, lhs, rhs)
            }
        }
    }
}

fn arith(op: ArithOp, lhs: i64, rhs: i64) -> Option<i64> {
    match op {
        ArithOp::Add => lhs.checked_add(rhs),
        ArithOp::Sub => lhs.checked_sub(rhs),
        ArithOp::Mul => lhs.checked_mul(rhs),
        ArithOp::Div => lhs.checked_div(rhs),
        ArithOp::Rem => lhs.checked_rem(rhs),
    }
}

#[inline]
fn int_field(facts: &CaseFacts, field: IntField) -> i64 {
    match field {
        IntField::Dpd => i64::from(facts.dpd),
        IntField::MonthsOnBook => i64::from(facts.months_on_book),
        IntField::TimesDelinquent => i64::from(facts.times_delinquent),
        IntField::FailedDebits => i64::from(facts.failed_debits),
        IntField::BrokenPromises => i64::from(facts.broken_promises),
        IntField::PromisesKept => i64::from(facts.promises_kept),
        IntField::RiskScore => i64::from(facts.risk_score),
        IntField::VehicleRisk => i64::from(facts.vehicle_risk),
        IntField::DaysInStage => i64::from(facts.days_in_stage),
        IntField::CaseId => facts.case_id,
        IntField::BorrowerId => facts.borrower_id,
        IntField::NextDueAmount => facts.next_due_amount.get(),
        IntField::TotalArrears => facts.total_arrears.get(),
        IntField::PrincipalOutstanding => facts.principal_outstanding.get(),
        IntField::LoanPrincipal => facts.loan_principal.get(),
    }
}

#[inline]
fn opt_field(facts: &CaseFacts, field: OptField) -> Option<i64> {
    let value = match field {
        OptField::DaysToNextDue => facts.days_to_next_due,
        OptField::DaysSinceLastPayment => facts.days_since_last_payment,
        OptField::DaysSinceLastContact => facts.days_since_last_contact,
    };
    value.map(i64::from)
}

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Lit(bool),
    Flag(BoolField),
    Not(Box<Cond>),
    And(Box<[Cond]>),
    Or(Box<[Cond]>),
    /// `bool == bool` (and `!=` via `Not`).
    Same(Box<Cond>, Box<Cond>),
    /// The common case `field OP constant`, without the boxes of `Cmp`.
    FieldLit(IntField, CmpOp, i64),
    Cmp(IntExpr, CmpOp, IntExpr),
    /// `field == null` (true) or `field != null` (false).
    IsNull(OptField, bool),
    /// The enum field's value is one of the variants whose bit is set.
    EnumIn(EnumField, u16),
    IntIn(IntExpr, Box<[i64]>),
    BucketIn(Box<[Box<str>]>),
}

impl Cond {
    /// Evaluates the condition; never panics and never allocates.
    #[inline]
    pub(crate) fn eval(&self, ctx: Ctx<'_>) -> bool {
        match self {
            Cond::Lit(value) => *value,
            Cond::Flag(BoolField::DebitFailedToday) => ctx.facts.debit_failed_today,
            Cond::Flag(BoolField::RepeatedDelinquency) => ctx.facts.repeated_delinquency,
            Cond::Not(inner) => !inner.eval(ctx),
            Cond::And(parts) => parts.iter().all(|part| part.eval(ctx)),
            Cond::Or(parts) => parts.iter().any(|part| part.eval(ctx)),
            Cond::Same(lhs, rhs) => lhs.eval(ctx) == rhs.eval(ctx),
            Cond::FieldLit(field, op, value) => op.apply(int_field(ctx.facts, *field), *value),
            Cond::Cmp(lhs, op, rhs) => match (lhs.eval(ctx.facts), rhs.eval(ctx.facts)) {
                (Some(lhs), Some(rhs)) => op.apply(lhs, rhs),
                _ => false,
            },
            Cond::IsNull(field, want_null) => opt_field(ctx.facts, *field).is_none() == *want_null,
            Cond::EnumIn(field, mask) => field.bit(ctx) & mask != 0,
            Cond::IntIn(expr, values) => expr
                .eval(ctx.facts)
                .is_some_and(|value| values.contains(&value)),
            Cond::BucketIn(buckets) => buckets.iter().any(|b| **b == *ctx.facts.bucket),
        }
    }
}

/// A named number from `[parameters]` (or an arm's override), already in its unit (money in
/// fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Param {
    pub(crate) value: i64,
    pub(crate) ty: NumType,
}

/// Checks and compiles a parsed condition to a boolean.
pub(crate) fn compile(node: &Node, params: &BTreeMap<String, Param>) -> Result<Cond, ExprError> {
    Checker { params }.boolean(node)
}

struct Checker<'p> {
    params: &'p BTreeMap<String, Param>,
}

/// What a sub-expression turned out to be, before the comparison around it decides its use.
enum Value {
    Bool(Cond),
    Num(IntExpr, NumType, bool),
    Enum(EnumField),
    Bucket,
    Str(String),
    Null,
}

impl Value {
    fn type_name(&self) -> String {
        match self {
            Value::Bool(_) => "bool".to_string(),
            Value::Num(_, ty, _) => ty.name().to_string(),
            Value::Enum(field) => format!("{} (a name)", field.name()),
            Value::Bucket => "string".to_string(),
            Value::Str(_) => "string".to_string(),
            Value::Null => "null".to_string(),
        }
    }
}

impl Checker<'_> {
    fn boolean(&self, node: &Node) -> Result<Cond, ExprError> {
        match self.value(node)? {
            Value::Bool(cond) => Ok(cond),
            other => Err(ExprError::new(
                node.span.start,
                format!("expected a condition (bool), found {}", other.type_name()),
            )),
        }
    }

    fn number(&self, node: &Node) -> Result<(IntExpr, NumType), ExprError> {
        match self.value(node)? {
            Value::Num(expr, ty, _) => Ok((expr, ty)),
            other => Err(ExprError::new(
                node.span.start,
                format!("expected a number, found {}", other.type_name()),
            )),
        }
    }

    fn value(&self, node: &Node) -> Result<Value, ExprError> {
        let at = node.span.start;
        match &node.kind {
            NodeKind::Int(value) => Ok(Value::Num(IntExpr::Lit(*value), NumType::Int, false)),
            NodeKind::Str(text) => Ok(Value::Str(text.clone())),
            NodeKind::Bool(value) => Ok(Value::Bool(Cond::Lit(*value))),
            NodeKind::Null => Ok(Value::Null),
            NodeKind::Ident(name) => match lookup_field(name) {
                Some(FieldRef::Int(field, ty)) => Ok(Value::Num(IntExpr::Field(field), ty, false)),
                Some(FieldRef::Opt(field)) => {
                    Ok(Value::Num(IntExpr::Opt(field), NumType::Int, true))
                }
                Some(FieldRef::Bool(field)) => Ok(Value::Bool(Cond::Flag(field))),
                Some(FieldRef::Enum(field)) => Ok(Value::Enum(field)),
                Some(FieldRef::Bucket) => Ok(Value::Bucket),
                None => {
                    let hint = if self.params.contains_key(name) {
                        format!(" (did you mean `params.{name}`?)")
                    } else {
                        suggestion(name, field_names())
                    };
                    Err(ExprError::new(at, format!("unknown field `{name}`{hint}")))
                }
            },
            NodeKind::Param(name) => match self.params.get(name) {
                Some(param) => Ok(Value::Num(IntExpr::Lit(param.value), param.ty, false)),
                None => Err(ExprError::new(
                    at,
                    format!(
                        "unknown parameter `{name}`{}",
                        suggestion(name, self.params.keys().map(String::as_str))
                    ),
                )),
            },
            NodeKind::Call(name, args) => self.call(node, name, args),
            NodeKind::List(_) => Err(ExprError::new(at, "a list may only follow `in`")),
            NodeKind::Unary(UnaryOp::Not, inner) => Ok(Value::Bool(negate(self.boolean(inner)?))),
            NodeKind::Unary(UnaryOp::Neg, inner) => {
                let (expr, ty) = self.number(inner)?;
                Ok(Value::Num(fold_neg(expr), ty, false))
            }
            NodeKind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs),
        }
    }

    fn call(&self, node: &Node, name: &str, args: &[Node]) -> Result<Value, ExprError> {
        let factor = match name {
            "yuan" => 100,
            "fen" => 1,
            _ => {
                return Err(ExprError::new(
                    node.span.start,
                    format!("unknown function `{name}` (known: yuan, fen)"),
                ))
            }
        };
        let [arg] = args else {
            return Err(ExprError::new(
                node.span.start,
                format!("`{name}` takes one argument, found {}", args.len()),
            ));
        };
        let (expr, ty) = self.number(arg)?;
        if ty != NumType::Int {
            return Err(ExprError::new(
                arg.span.start,
                format!("`{name}` takes a plain number, found money"),
            ));
        }
        Ok(Value::Num(
            fold_arith(ArithOp::Mul, expr, IntExpr::Lit(factor)),
            NumType::Money,
            false,
        ))
    }

    fn binary(&self, op: BinaryOp, lhs: &Node, rhs: &Node) -> Result<Value, ExprError> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let lhs = self.boolean(lhs)?;
                let rhs = self.boolean(rhs)?;
                Ok(Value::Bool(fold_logic(op == BinaryOp::And, lhs, rhs)))
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                let (lhs_expr, lhs_ty) = self.number(lhs)?;
                let (rhs_expr, rhs_ty) = self.number(rhs)?;
                let ty = arith_type(op, lhs_ty, rhs_ty).ok_or_else(|| {
                    ExprError::new(
                        rhs.span.start,
                        format!(
                            "cannot apply `{op}` to {} and {}",
                            lhs_ty.name(),
                            rhs_ty.name()
                        ),
                    )
                })?;
                let arith_op = match op {
                    BinaryOp::Add => ArithOp::Add,
                    BinaryOp::Sub => ArithOp::Sub,
                    BinaryOp::Mul => ArithOp::Mul,
                    BinaryOp::Div => ArithOp::Div,
                    _ => ArithOp::Rem,
                };
                Ok(Value::Num(
                    fold_arith(arith_op, lhs_expr, rhs_expr),
                    ty,
                    false,
                ))
            }
            BinaryOp::In => self.membership(lhs, rhs),
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => self.comparison(op, lhs, rhs),
        }
    }

    fn comparison(&self, op: BinaryOp, lhs: &Node, rhs: &Node) -> Result<Value, ExprError> {
        let cmp = match op {
            BinaryOp::Eq => CmpOp::Eq,
            BinaryOp::Ne => CmpOp::Ne,
            BinaryOp::Lt => CmpOp::Lt,
            BinaryOp::Le => CmpOp::Le,
            BinaryOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        let equality = matches!(cmp, CmpOp::Eq | CmpOp::Ne);
        let lhs_value = self.value(lhs)?;
        let rhs_value = self.value(rhs)?;
        let mismatch = |lhs_value: &Value, rhs_value: &Value| {
            ExprError::new(
                rhs.span.start,
                format!(
                    "cannot compare {} with {} using `{op}`",
                    lhs_value.type_name(),
                    rhs_value.type_name()
                ),
            )
        };
        let cond = match (lhs_value, rhs_value) {
            (Value::Num(l, lty, _), Value::Num(r, rty, _)) => {
                if lty != rty {
                    let hint = if rty == NumType::Int || lty == NumType::Int {
                        " (write amounts as yuan(N), fen(N) or a `_yuan` parameter)"
                    } else {
                        ""
                    };
                    return Err(ExprError::new(
                        rhs.span.start,
                        format!(
                            "cannot compare {} with {}{hint}",
                            lty.name(),
                            rty.name()
                        ),
                    ));
                }
                fold_cmp(l, cmp, r)
            }
            (Value::Num(IntExpr::Opt(field), _, true), Value::Null)
            | (Value::Null, Value::Num(IntExpr::Opt(field), _, true))
                if equality =>
            {
                Cond::IsNull(field, cmp == CmpOp::Eq)
            }
            (Value::Num(..), Value::Null) | (Value::Null, Value::Num(..)) if equality => {
                return Err(ExprError::new(
                    lhs.span.start,
                    "only days_to_next_due, days_since_last_payment and days_since_last_contact can be null",
                ))
            }
            (Value::Enum(field), Value::Str(text)) if equality => {
                let mask = self.enum_bit(field, &text, rhs)?;
                enum_cond(field, mask, cmp == CmpOp::Ne)
            }
            (Value::Str(text), Value::Enum(field)) if equality => {
                let mask = self.enum_bit(field, &text, lhs)?;
                enum_cond(field, mask, cmp == CmpOp::Ne)
            }
            (Value::Bucket, Value::Str(text)) | (Value::Str(text), Value::Bucket) if equality => {
                let cond = Cond::BucketIn(vec![text.into_boxed_str()].into_boxed_slice());
                if cmp == CmpOp::Ne {
                    negate(cond)
                } else {
                    cond
                }
            }
            (Value::Bool(l), Value::Bool(r)) if equality => {
                let same = match (l, r) {
                    (Cond::Lit(true), other) | (other, Cond::Lit(true)) => other,
                    (Cond::Lit(false), other) | (other, Cond::Lit(false)) => negate(other),
                    (l, r) => Cond::Same(Box::new(l), Box::new(r)),
                };
                if cmp == CmpOp::Ne {
                    negate(same)
                } else {
                    same
                }
            }
            (Value::Enum(field), Value::Enum(other)) if equality && field == other => {
                Cond::Lit(cmp == CmpOp::Eq)
            }
            (l, r) => return Err(mismatch(&l, &r)),
        };
        Ok(Value::Bool(cond))
    }

    fn membership(&self, lhs: &Node, rhs: &Node) -> Result<Value, ExprError> {
        let NodeKind::List(items) = &rhs.kind else {
            return Err(ExprError::new(
                rhs.span.start,
                "`in` needs a list literal, e.g. [\"early\", \"middle\"]",
            ));
        };
        match self.value(lhs)? {
            Value::Enum(field) => {
                let mut mask = 0;
                for item in items {
                    let NodeKind::Str(text) = &item.kind else {
                        return Err(ExprError::new(
                            item.span.start,
                            format!("a list of {} names holds strings", field.name()),
                        ));
                    };
                    mask |= self.enum_bit(field, text, item)?;
                }
                Ok(Value::Bool(Cond::EnumIn(field, mask)))
            }
            Value::Bucket => {
                let mut buckets = Vec::new();
                for item in items {
                    let NodeKind::Str(text) = &item.kind else {
                        return Err(ExprError::new(
                            item.span.start,
                            "a list of buckets holds strings",
                        ));
                    };
                    buckets.push(text.clone().into_boxed_str());
                }
                Ok(Value::Bool(Cond::BucketIn(buckets.into_boxed_slice())))
            }
            Value::Num(expr, ty, _) => {
                let mut values = Vec::new();
                for item in items {
                    match self.number(item)? {
                        (IntExpr::Lit(value), item_ty) if item_ty == ty => values.push(value),
                        (_, item_ty) if item_ty != ty => {
                            return Err(ExprError::new(
                                item.span.start,
                                format!("list item is {}, expected {}", item_ty.name(), ty.name()),
                            ))
                        }
                        _ => {
                            return Err(ExprError::new(
                                item.span.start,
                                "list items must be constants (numbers or parameters)",
                            ))
                        }
                    }
                }
                Ok(Value::Bool(Cond::IntIn(expr, values.into_boxed_slice())))
            }
            other => Err(ExprError::new(
                lhs.span.start,
                format!("`in` does not apply to {}", other.type_name()),
            )),
        }
    }

    fn enum_bit(&self, field: EnumField, text: &str, node: &Node) -> Result<u16, ExprError> {
        let codes = field.codes();
        match codes.iter().position(|code| *code == text) {
            Some(index) => Ok(1 << index),
            None => Err(ExprError::new(
                node.span.start,
                format!(
                    "unknown {} \"{text}\" (expected one of: {})",
                    field.name(),
                    codes.join(", ")
                ),
            )),
        }
    }
}

fn arith_type(op: BinaryOp, lhs: NumType, rhs: NumType) -> Option<NumType> {
    use NumType::{Int, Money};
    match (op, lhs, rhs) {
        (_, Int, Int) => Some(Int),
        (BinaryOp::Add | BinaryOp::Sub, Money, Money) => Some(Money),
        (BinaryOp::Mul, Money, Int) | (BinaryOp::Mul, Int, Money) => Some(Money),
        (BinaryOp::Div | BinaryOp::Rem, Money, Int) => Some(Money),
        // money / money is a ratio: a plain number.
        (BinaryOp::Div, Money, Money) => Some(Int),
        _ => None,
    }
}

fn enum_cond(field: EnumField, mask: u16, negated: bool) -> Cond {
    if negated {
        let all = (1u16 << field.codes().len()) - 1;
        Cond::EnumIn(field, all & !mask)
    } else {
        Cond::EnumIn(field, mask)
    }
}

fn negate(cond: Cond) -> Cond {
    match cond {
        Cond::Lit(value) => Cond::Lit(!value),
        Cond::Not(inner) => *inner,
        other => Cond::Not(Box::new(other)),
    }
}

fn fold_neg(expr: IntExpr) -> IntExpr {
    match expr {
        IntExpr::Lit(value) => match value.checked_neg() {
            Some(negated) => IntExpr::Lit(negated),
            None => IntExpr::Neg(Box::new(IntExpr::Lit(value))),
        },
        other => IntExpr::Neg(Box::new(other)),
    }
}

fn fold_arith(op: ArithOp, lhs: IntExpr, rhs: IntExpr) -> IntExpr {
    if let (IntExpr::Lit(l), IntExpr::Lit(r)) = (&lhs, &rhs) {
        if let Some(value) = arith(op, *l, *r) {
            return IntExpr::Lit(value);
        }
    }
    IntExpr::Arith(op, Box::new(lhs), Box::new(rhs))
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        same => same,
    }
}

fn fold_cmp(lhs: IntExpr, op: CmpOp, rhs: IntExpr) -> Cond {
    match (lhs, rhs) {
        (IntExpr::Lit(l), IntExpr::Lit(r)) => Cond::Lit(op.apply(l, r)),
        (IntExpr::Field(field), IntExpr::Lit(value)) => Cond::FieldLit(field, op, value),
        (IntExpr::Lit(value), IntExpr::Field(field)) => Cond::FieldLit(field, flip(op), value),
        (lhs, rhs) => Cond::Cmp(lhs, op, rhs),
    }
}

fn fold_logic(is_and: bool, lhs: Cond, rhs: Cond) -> Cond {
    // `true && x` is `x`; `false && x` is `false`; dually for `||`.
    match (&lhs, &rhs) {
        (Cond::Lit(value), _) => return if *value == is_and { rhs } else { lhs },
        (_, Cond::Lit(value)) => return if *value == is_and { lhs } else { rhs },
        _ => {}
    }
    let mut parts = Vec::new();
    for part in [lhs, rhs] {
        match part {
            Cond::And(inner) if is_and => parts.extend(inner.into_vec()),
            Cond::Or(inner) if !is_and => parts.extend(inner.into_vec()),
            other => parts.push(other),
        }
    }
    if is_and {
        Cond::And(parts.into_boxed_slice())
    } else {
        Cond::Or(parts.into_boxed_slice())
    }
}

/// ` (did you mean `x`?)` for the closest known name within two edits, else nothing.
pub(crate) fn suggestion<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map_or_else(String::new, |(_, best)| {
            format!(" (did you mean `{best}`?)")
        })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b_chars: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b_chars.len()).collect();
    for (a_idx, a_char) in a.chars().enumerate() {
        let mut current = vec![a_idx + 1];
        for (b_idx, b_char) in b_chars.iter().enumerate() {
            let substitution = previous[b_idx] + usize::from(a_char != *b_char);
            let insertion = current[b_idx] + 1;
            let deletion = previous[b_idx + 1] + 1;
            current.push(substitution.min(insertion).min(deletion));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    fn compiled(source: &str) -> Result<Cond, ExprError> {
        let params = BTreeMap::from([
            (
                "legal_dpd".to_string(),
                Param {
                    value: 120,
                    ty: NumType::Int,
                },
            ),
            (
                "large_yuan".to_string(),
                Param {
                    value: 20_000_000,
                    ty: NumType::Money,
                },
            ),
        ]);
        compile(&parse(source)?, &params)
    }

    #[test]
    fn parameters_fold_into_field_comparisons() {
        assert_eq!(
            compiled("dpd >= params.legal_dpd"),
            Ok(Cond::FieldLit(IntField::Dpd, CmpOp::Ge, 120))
        );
        assert_eq!(
            compiled("params.legal_dpd < dpd"),
            Ok(Cond::FieldLit(IntField::Dpd, CmpOp::Gt, 120))
        );
        assert_eq!(
            compiled("loan_principal >= params.large_yuan"),
            compiled("loan_principal >= yuan(200000)")
        );
        assert_eq!(compiled("1 + 1 == 2 && dpd > 3"), compiled("dpd > 3"));
    }

    #[test]
    fn enum_comparisons_become_masks() {
        assert_eq!(
            compiled("quadrant != \"willing_and_able\""),
            Ok(Cond::EnumIn(EnumField::Quadrant, 0b1110))
        );
        assert_eq!(
            compiled("stage in [\"early\", \"middle\"]"),
            Ok(Cond::EnumIn(EnumField::Stage, 0b110))
        );
    }

    #[test]
    fn money_and_counts_do_not_mix() {
        assert!(compiled("loan_principal >= 200000").is_err());
        assert!(compiled("loan_principal + dpd > yuan(1)").is_err());
        assert!(compiled("total_arrears * 2 > loan_principal").is_ok());
        assert!(compiled("total_arrears / loan_principal > 0").is_ok());
    }
}
