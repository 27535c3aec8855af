//! Case work recorded by collectors: the outcome codes of a logged contact (and what each means
//! for the contact ledger) and the states of a promise to pay.

use std::str::FromStr;

use crate::contact::ContactResult;
use crate::loan::UnknownName;
use crate::money::Fen;

/// What came of a contact attempt, as the collector records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactOutcome {
    /// Spoke with the borrower (右方联系, RPC).
    RightPartyContact,
    /// Spoke with someone else (a relative, a colleague, a registered contact).
    ThirdParty,
    NoAnswer,
    Busy,
    SwitchedOff,
    /// The number does not exist or is not the borrower's.
    InvalidNumber,
    /// The borrower promised to pay (record the promise itself separately).
    PromiseToPay,
    /// The borrower refuses to pay.
    Refuses,
    /// The borrower disputes the debt: the case gets the dispute flag the guard honours.
    Disputes,
    /// The borrower says they cannot pay (hardship).
    ClaimsHardship,
    /// The borrower says they have paid already.
    ClaimsPaid,
    Other,
}

impl ContactOutcome {
    pub const ALL: [ContactOutcome; 12] = [
        ContactOutcome::RightPartyContact,
        ContactOutcome::ThirdParty,
        ContactOutcome::NoAnswer,
        ContactOutcome::Busy,
        ContactOutcome::SwitchedOff,
        ContactOutcome::InvalidNumber,
        ContactOutcome::PromiseToPay,
        ContactOutcome::Refuses,
        ContactOutcome::Disputes,
        ContactOutcome::ClaimsHardship,
        ContactOutcome::ClaimsPaid,
        ContactOutcome::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContactOutcome::RightPartyContact => "right_party_contact",
            ContactOutcome::ThirdParty => "third_party",
            ContactOutcome::NoAnswer => "no_answer",
            ContactOutcome::Busy => "busy",
            ContactOutcome::SwitchedOff => "switched_off",
            ContactOutcome::InvalidNumber => "invalid_number",
            ContactOutcome::PromiseToPay => "promise_to_pay",
            ContactOutcome::Refuses => "refuses",
            ContactOutcome::Disputes => "disputes",
            ContactOutcome::ClaimsHardship => "claims_hardship",
            ContactOutcome::ClaimsPaid => "claims_paid",
            ContactOutcome::Other => "other",
        }
    }

    /// The ledger result: a number that does not work failed; nobody reached is an attempt;
    /// anyone reached is connected.
    pub fn result(self) -> ContactResult {
        match self {
            ContactOutcome::InvalidNumber => ContactResult::Failed,
            ContactOutcome::NoAnswer
            | ContactOutcome::Busy
            | ContactOutcome::SwitchedOff
            | ContactOutcome::Other => ContactResult::Attempted,
            _ => ContactResult::Connected,
        }
    }

    /// Whether the borrower was spoken to (a conversation in the ledger's sense).
    pub fn is_right_party(self) -> bool {
        matches!(
            self,
            ContactOutcome::RightPartyContact
                | ContactOutcome::PromiseToPay
                | ContactOutcome::Refuses
                | ContactOutcome::Disputes
                | ContactOutcome::ClaimsHardship
                | ContactOutcome::ClaimsPaid
        )
    }
}

impl FromStr for ContactOutcome {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<ContactOutcome, UnknownName> {
        ContactOutcome::ALL
            .into_iter()
            .find(|outcome| outcome.code() == text)
            .ok_or_else(|| UnknownName {
                text: text.to_string(),
                expected: "right_party_contact, third_party, no_answer, busy, switched_off, \
                           invalid_number, promise_to_pay, refuses, disputes, claims_hardship, \
                           claims_paid, other",
            })
    }
}

/// Where a promise to pay stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromiseStatus {
    /// Not yet due.
    Open,
    /// Paid in full by the due date.
    Kept,
    /// Something, but less than promised, was paid by the due date.
    PartlyKept,
    /// Nothing was paid by the due date.
    Broken,
}

impl PromiseStatus {
    pub fn code(self) -> &'static str {
        match self {
            PromiseStatus::Open => "open",
            PromiseStatus::Kept => "kept",
            PromiseStatus::PartlyKept => "partly_kept",
            PromiseStatus::Broken => "broken",
        }
    }

    /// The verdict on a promise of `promised` when `paid` came in between the promise and its
    /// due date.
    pub fn settle(promised: Fen, paid: Fen) -> PromiseStatus {
        if paid >= promised {
            PromiseStatus::Kept
        } else if paid > Fen::ZERO {
            PromiseStatus::PartlyKept
        } else {
            PromiseStatus::Broken
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_parse_back_and_map_to_ledger_results() {
        for outcome in ContactOutcome::ALL {
            assert_eq!(outcome.code().parse::<ContactOutcome>(), Ok(outcome));
        }
        assert_eq!(ContactOutcome::NoAnswer.result(), ContactResult::Attempted);
        assert_eq!(
            ContactOutcome::InvalidNumber.result(),
            ContactResult::Failed
        );
        assert_eq!(
            ContactOutcome::ThirdParty.result(),
            ContactResult::Connected
        );
        assert!(!ContactOutcome::ThirdParty.is_right_party());
        assert!(ContactOutcome::PromiseToPay.is_right_party());
        assert!("RPC".parse::<ContactOutcome>().is_err());
    }

    #[test]
    fn promises_settle_by_what_was_paid() {
        let promised = Fen::new(10_000);
        assert_eq!(
            PromiseStatus::settle(promised, Fen::new(10_000)),
            PromiseStatus::Kept
        );
        assert_eq!(
            PromiseStatus::settle(promised, Fen::new(1)),
            PromiseStatus::PartlyKept
        );
        assert_eq!(
            PromiseStatus::settle(promised, Fen::ZERO),
            PromiseStatus::Broken
        );
    }
}
