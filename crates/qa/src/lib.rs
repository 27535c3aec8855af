//! Language quality inspection (质检) of collection templates and collector notes.
//!
//! Lexicons (TOML files, zh-CN and English) list terms by category and tier. The [`Inspector`]
//! normalises a text (full-width, case, traditional characters, spacing), finds every term with
//! one Aho-Corasick pass, keeps the longest of overlapping matches, drops negated ones
//! (严禁上门骚扰, "we will never contact your employer"), and returns [`Hit`]s with spans in the
//! original text. A template with a block-tier hit is refused ([`Inspector::vet_template`]);
//! [`check_report`] is what `recoup qa check` prints. See `docs/qa.md`.

pub mod corpus;
pub mod facts;
pub mod inspect;
pub mod lexicon;
pub mod normalize;
pub mod report;
pub mod rules;
pub mod templates;

pub use facts::{CaseFact, CaseFacts, UnknownFact};
pub use inspect::{Hit, Inspector, TemplateRefused, Verdict};
pub use lexicon::{Category, Lexicon, LexiconError, LexiconErrorKind, LexiconErrors, Tier};
pub use report::check_report;
pub use rules::{Rule, Slot};
pub use templates::{Template, TemplateBook, TemplateErrors};
