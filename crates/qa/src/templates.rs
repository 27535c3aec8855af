//! Contact templates as shipped files (`strategies/templates/<locale>.toml`): one table per
//! template id with its channel and text. Every text is vetted by language QA when the file is
//! loaded, so a template with a block-tier hit is refused with the file, the template and the
//! term — it can never reach planning or a borrower.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::inspect::Inspector;
use crate::lexicon::Tier;

/// The shipped Chinese templates.
pub const SHIPPED_ZH_CN: &str = include_str!("../../../strategies/templates/zh-CN.toml");
/// The shipped English templates.
pub const SHIPPED_EN: &str = include_str!("../../../strategies/templates/en.toml");

/// One usable template: vetted, with the warn-tier terms it contains (legitimate when true).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The channel code the text is written for (`sms`, `call`, `letter`, …).
    pub channel: String,
    pub text: String,
    /// Warn-tier terms in the text (a compliance officer reviews them; they do not block).
    pub warnings: Vec<String>,
}

/// The templates of one file, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateBook {
    templates: BTreeMap<String, Template>,
}

/// Why a template file cannot be used; every problem is listed.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct TemplateErrors {
    pub problems: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    channel: String,
    text: String,
}

impl TemplateBook {
    /// Parses and vets `text` (named `file` in errors) with `inspector`.
    pub fn parse(
        file: &str,
        text: &str,
        inspector: &Inspector,
    ) -> Result<TemplateBook, TemplateErrors> {
        let raw: BTreeMap<String, RawTemplate> = toml::from_str(text).map_err(|e| {
            let place = e
                .span()
                .map(|span| {
                    let line = text[..span.start].matches('\n').count() + 1;
                    let column =
                        span.start - text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!(":{line}:{column}")
                })
                .unwrap_or_default();
            TemplateErrors {
                problems: vec![format!("{file}{place}: {}", e.message())],
            }
        })?;
        let mut problems = Vec::new();
        let mut templates = BTreeMap::new();
        for (id, template) in raw {
            if template.text.trim().is_empty() {
                problems.push(format!("{file}: template `{id}`: the text is empty"));
                continue;
            }
            match inspector.vet_template(&template.text) {
                Ok(hits) => {
                    let warnings = hits
                        .iter()
                        .filter(|h| h.tier == Tier::Warn)
                        .map(|h| h.term.clone())
                        .collect();
                    templates.insert(
                        id,
                        Template {
                            channel: template.channel,
                            text: template.text,
                            warnings,
                        },
                    );
                }
                Err(refused) => {
                    for hit in refused.blocking {
                        problems.push(format!(
                            "{file}: template `{id}` cannot be used: block-tier term `{}` ({}) at bytes {}..{}",
                            &template.text[hit.span.clone()],
                            hit.category.code(),
                            hit.span.start,
                            hit.span.end
                        ));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(TemplateBook { templates })
        } else {
            Err(TemplateErrors { problems })
        }
    }

    /// The template with this id.
    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.get(id)
    }

    /// Every template with its id, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Template)> {
        self.templates
            .iter()
            .map(|(id, template)| (id.as_str(), template))
    }

    /// How many templates the file holds.
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// Whether the file holds none.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// The ids of `wanted` that have no template here, in order.
    pub fn missing<'a>(&self, wanted: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        wanted
            .into_iter()
            .filter(|id| !self.templates.contains_key(*id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_templates_are_usable() {
        let inspector = Inspector::shipped().unwrap();
        for (name, text) in [("zh-CN.toml", SHIPPED_ZH_CN), ("en.toml", SHIPPED_EN)] {
            let book = TemplateBook::parse(name, text, &inspector).unwrap();
            assert!(book.len() >= 19, "{name}");
        }
    }

    #[test]
    fn a_template_with_a_block_tier_term_is_refused_by_name() {
        let inspector = Inspector::shipped().unwrap();
        let text = "[ok]\nchannel = \"sms\"\ntext = \"请按时还款。\"\n\n[threat]\nchannel = \"sms\"\ntext = \"再不还钱就通知你单位和家人\"\n";
        let errors = TemplateBook::parse("bad.toml", text, &inspector).unwrap_err();
        assert!(
            errors
                .problems
                .iter()
                .all(|p| p.starts_with("bad.toml: template `threat` cannot be used")),
            "{errors}"
        );
        assert!(!errors.problems.is_empty());
    }

    #[test]
    fn bad_files_name_the_line_and_missing_ids_are_listed() {
        let inspector = Inspector::shipped().unwrap();
        let errors =
            TemplateBook::parse("x.toml", "[a]\nchannel = \"sms\"\ntext = 3\n", &inspector)
                .unwrap_err();
        assert!(errors.to_string().starts_with("x.toml:3:"), "{errors}");
        let book = TemplateBook::parse(
            "ok.toml",
            "[a]\nchannel = \"sms\"\ntext = \"您好\"\n",
            &inspector,
        )
        .unwrap();
        assert_eq!(book.missing(["a", "b"]), vec!["b"]);
        assert!(TemplateBook::parse(
            "e.toml",
            "[a]\nchannel = \"sms\"\ntext = \" \"\n",
            &inspector
        )
        .is_err());
    }
}
