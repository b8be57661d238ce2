//! The `[[factor]]` tables and the links to them: a factor's id and kind,
//! and a stream's (or a churn table's) `factor = "id", loading = l`.
//!
//! A link needs both keys: a factor without a loading would have to guess
//! one, and a loading without a factor has nothing to load on; either is
//! refused rather than defaulted. A factor that nothing links to is
//! allowed, with a warning ([`Scenario::warnings`]).

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::Scenario;
use super::error::closest;
use super::raw::{RawFactor, RawParam};
use super::validate::Builder;
use crate::model::{FactorKind, FactorLink, Model};

/// A common driver of several streams, drawn from a generator of its own.
#[derive(Clone, Debug)]
pub struct Factor {
    pub id: String,
    pub name: String,
    pub kind: FactorKind,
}

impl Builder<'_> {
    /// The factors of the file: ids unique, kinds known.
    pub(super) fn factors(&mut self, raw: &[Spanned<RawFactor>]) -> Vec<Factor> {
        let mut seen: HashMap<String, ()> = HashMap::new();
        let mut factors = Vec::new();
        for f in raw {
            let f = f.get_ref();
            let id = self.id("factor", &f.name, f.id.as_ref());
            let id_span = f.id.as_ref().map_or(f.name.span(), |i| i.span());
            if seen.insert(id.clone(), ()).is_some() {
                self.report(
                    Some(id_span),
                    &format!("factor.{id}"),
                    format!("duplicate factor id \"{id}\": another [[factor]] has it"),
                    Some("give each factor a distinct name or id".into()),
                );
            }
            let kind = match &f.kind {
                None => FactorKind::Churn,
                Some(kind) => FactorKind::from_name(kind.get_ref()).unwrap_or_else(|| {
                    let allowed = "\"churn\" (one draw per path, for clients' churn; the \
                                   default) or \"growth\" (monthly shocks, for growth)";
                    let help = match closest(kind.get_ref(), FactorKind::NAMES.iter().copied()) {
                        Some(best) => format!("did you mean \"{best}\"? allowed: {allowed}"),
                        None => format!("allowed: {allowed}"),
                    };
                    self.report(
                        Some(kind.span()),
                        &format!("factor.{id}.kind"),
                        format!("unknown factor kind \"{}\"", kind.get_ref()),
                        Some(help),
                    );
                    FactorKind::Churn
                }),
            };
            factors.push(Factor {
                id,
                name: f.name.get_ref().clone(),
                kind,
            });
        }
        factors
    }

    /// The link of `prefix` (a stream, `kind.id`) to a factor of `kind`,
    /// from its `factor` and `loading` keys (`churn.factor` and
    /// `churn.loading` when `loading_name` says so), or `None` with every
    /// problem reported. The loading's span is recorded under
    /// `loading_name` for the range check.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn link(
        &mut self,
        prefix: &str,
        loading_name: &'static str,
        kind: FactorKind,
        factor: Option<&Spanned<String>>,
        loading: Option<&Spanned<RawParam>>,
        factors: &[Factor],
        spans: &mut HashMap<&'static str, Range<usize>>,
    ) -> Option<FactorLink> {
        let factor_field = loading_name.replace("loading", "factor");
        let (factor, loading) = match (factor, loading) {
            (None, None) => return None,
            (Some(f), None) => {
                self.report(
                    Some(f.span()),
                    &format!("{prefix}.{factor_field}"),
                    format!("factor \"{}\" is given without a loading", f.get_ref()),
                    Some(format!(
                        "add `loading`, a number in [-1, 1], beside `factor`: how strongly \
                         this {} moves with the factor (0: not at all)",
                        kind_noun(kind)
                    )),
                );
                return None;
            }
            (None, Some(l)) => {
                self.report(
                    Some(l.span()),
                    &format!("{prefix}.{loading_name}"),
                    "a loading is given without a factor".into(),
                    Some(format!(
                        "add `factor = \"ID\"` beside it, naming a [[factor]] of kind \"{}\"",
                        kind.as_str()
                    )),
                );
                return None;
            }
            (Some(f), Some(l)) => (f, l),
        };
        let param = self.param(prefix, loading_name, Some(loading), 0.0, spans);
        let name = factor.get_ref();
        let Some(found) = factors.iter().find(|f| f.id == *name) else {
            let of_kind: Vec<&str> = factors
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| f.id.as_str())
                .collect();
            let known = if of_kind.is_empty() {
                format!(
                    "this scenario declares no {} factor; add a [[factor]] with kind = \"{}\"",
                    kind.as_str(),
                    kind.as_str()
                )
            } else {
                let list: Vec<String> = of_kind.iter().map(|id| format!("\"{id}\"")).collect();
                format!("{} factors: {}", kind.as_str(), list.join(", "))
            };
            let help = match closest(name, factors.iter().map(|f| f.id.as_str())) {
                Some(best) => format!("did you mean \"{best}\"? {known}"),
                None => known,
            };
            self.report(
                Some(factor.span()),
                &format!("{prefix}.{factor_field}"),
                format!("no factor has the id \"{name}\""),
                Some(help),
            );
            return None;
        };
        if found.kind != kind {
            self.report(
                Some(factor.span()),
                &format!("{prefix}.{factor_field}"),
                format!(
                    "factor \"{name}\" is a {} factor, and a {} needs a {} factor",
                    found.kind.as_str(),
                    kind_noun(kind),
                    kind.as_str()
                ),
                Some(match kind {
                    FactorKind::Churn => "a churn factor is one draw per path; declare one \
                                          with kind = \"churn\" (the default) for clients' churn"
                        .into(),
                    FactorKind::Growth => "a growth factor is monthly shocks; declare one \
                                           with kind = \"growth\" for growth"
                        .into(),
                }),
            );
            return None;
        }
        Some(FactorLink::new(&found.id, param))
    }
}

/// What a link of `kind` moves, for messages.
fn kind_noun(kind: FactorKind) -> &'static str {
    match kind {
        FactorKind::Churn => "client's churn",
        FactorKind::Growth => "growth index",
    }
}

impl Scenario {
    /// Every link to a factor: the stream's `kind.id` path, the link's
    /// parameter prefix (`churn.` or nothing) and the link.
    pub fn factor_links(&self) -> Vec<(String, &'static str, &FactorLink)> {
        let mut links = Vec::new();
        for s in &self.streams {
            let growth = match &s.model {
                Model::Client(c) => {
                    if let Some(link) = &c.churn.factor {
                        links.push((s.path(), "churn.", link));
                    }
                    Some(&c.growth)
                }
                Model::Subscription(x) => Some(&x.growth),
                Model::Stream(x) => Some(&x.growth),
                Model::Pipeline(_) => None,
            };
            if let Some(link) = growth.and_then(|g| g.factor.as_ref()) {
                links.push((s.path(), "", link));
            }
        }
        links
    }

    /// The indices of the streams linked to factor `id`.
    pub fn factor_users(&self, id: &str) -> Vec<usize> {
        self.streams
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                let churn = matches!(&s.model, Model::Client(c)
                    if c.churn.factor.as_ref().is_some_and(|l| l.id == id));
                let growth = match &s.model {
                    Model::Client(c) => c.growth.factor.as_ref(),
                    Model::Subscription(x) => x.growth.factor.as_ref(),
                    Model::Stream(x) => x.growth.factor.as_ref(),
                    Model::Pipeline(_) => None,
                };
                churn || growth.is_some_and(|l| l.id == id)
            })
            .map(|(i, _)| i)
            .collect()
    }
}
