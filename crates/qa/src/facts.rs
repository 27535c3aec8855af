//! Facts of a case that make a legal statement true: a lawsuit really filed, a hearing on file, a
//! judgment, a lawyer's letter really sent, a field visit really planned.
//!
//! The same sentence is lawful or not depending on them: "您的案件已由法院立案" is a false filing
//! claim (block) unless the case has a filing on record, when it is an accurate statement (warn, a
//! human confirms). Lexicon groups and rules name the facts that make them lawful
//! (`lawful_with`); callers pass what the case has on file to
//! [`crate::Inspector::inspect_with`].

use std::fmt;
use std::str::FromStr;

/// One fact about a case that a collector may truthfully state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseFact {
    /// A lawsuit has been filed with a court (立案).
    LegalFiled,
    /// A court hearing date is on file (开庭).
    HearingDate,
    /// A judgment or mediation exists, enforcement (执行) is open, or the court listed the borrower
    /// as a judgment defaulter (失信被执行人, 限制高消费).
    Judgment,
    /// A lawyer's letter has been sent (律师函).
    LawyerLetter,
    /// A field visit is planned within the contact rules (外访).
    VisitScheduled,
}

impl CaseFact {
    /// Every fact, in the order reports list them.
    pub const ALL: [CaseFact; 5] = [
        CaseFact::LegalFiled,
        CaseFact::HearingDate,
        CaseFact::Judgment,
        CaseFact::LawyerLetter,
        CaseFact::VisitScheduled,
    ];

    /// The code used in lexicon files, corpora and `recoup qa check --fact`.
    pub fn code(self) -> &'static str {
        match self {
            CaseFact::LegalFiled => "legal_filed",
            CaseFact::HearingDate => "hearing_date",
            CaseFact::Judgment => "judgment",
            CaseFact::LawyerLetter => "lawyer_letter",
            CaseFact::VisitScheduled => "visit_scheduled",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for CaseFact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A fact code that is not one of [`CaseFact::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fact `{0}` (known: legal_filed, hearing_date, judgment, lawyer_letter, visit_scheduled)")]
pub struct UnknownFact(pub String);

impl FromStr for CaseFact {
    type Err = UnknownFact;

    fn from_str(code: &str) -> Result<CaseFact, UnknownFact> {
        CaseFact::ALL
            .into_iter()
            .find(|fact| fact.code() == code.trim())
            .ok_or_else(|| UnknownFact(code.trim().to_string()))
    }
}

/// A set of [`CaseFact`]s (a bit set: copying and testing are free on the hot path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CaseFacts(u8);

impl CaseFacts {
    /// No facts on file: every legal claim must be treated as unproven.
    pub const NONE: CaseFacts = CaseFacts(0);

    /// This set plus `fact`.
    pub fn with(self, fact: CaseFact) -> CaseFacts {
        CaseFacts(self.0 | fact.bit())
    }

    /// Whether `fact` is in the set.
    pub fn contains(self, fact: CaseFact) -> bool {
        self.0 & fact.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The first fact present in both sets, if any.
    pub fn first_shared(self, other: CaseFacts) -> Option<CaseFact> {
        CaseFact::ALL
            .into_iter()
            .find(|fact| self.contains(*fact) && other.contains(*fact))
    }

    /// The facts in the set, in [`CaseFact::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = CaseFact> {
        CaseFact::ALL
            .into_iter()
            .filter(move |fact| self.contains(*fact))
    }
}

impl FromIterator<CaseFact> for CaseFacts {
    fn from_iter<I: IntoIterator<Item = CaseFact>>(facts: I) -> CaseFacts {
        facts.into_iter().fold(CaseFacts::NONE, CaseFacts::with)
    }
}

impl FromStr for CaseFacts {
    type Err = UnknownFact;

    /// Reads `-`, the empty string, or a comma-separated list of fact codes.
    fn from_str(list: &str) -> Result<CaseFacts, UnknownFact> {
        let list = list.trim();
        if list.is_empty() || list == "-" {
            return Ok(CaseFacts::NONE);
        }
        list.split(',').map(str::parse).collect()
    }
}

impl fmt::Display for CaseFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("-");
        }
        for (fact_idx, fact) in self.iter().enumerate() {
            if fact_idx > 0 {
                f.write_str(",")?;
            }
            f.write_str(fact.code())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fact_list_reads_and_prints_back() {
        let facts: CaseFacts = "judgment, legal_filed".parse().unwrap();
        assert!(facts.contains(CaseFact::Judgment) && facts.contains(CaseFact::LegalFiled));
        assert!(!facts.contains(CaseFact::HearingDate));
        assert_eq!(facts.to_string(), "legal_filed,judgment");
        assert_eq!("-".parse::<CaseFacts>().unwrap(), CaseFacts::NONE);
        assert_eq!(CaseFacts::NONE.to_string(), "-");
    }

    #[test]
    fn an_unknown_fact_is_named() {
        let error = "legal_filed,court_date".parse::<CaseFacts>().unwrap_err();
        assert_eq!(error, UnknownFact("court_date".to_string()));
        assert!(error.to_string().contains("unknown fact `court_date`"));
    }

    #[test]
    fn first_shared_finds_the_common_fact() {
        let case: CaseFacts = "lawyer_letter,judgment".parse().unwrap();
        let lawful_with: CaseFacts = "judgment".parse().unwrap();
        assert_eq!(case.first_shared(lawful_with), Some(CaseFact::Judgment));
        assert_eq!(CaseFacts::NONE.first_shared(lawful_with), None);
    }
}
