//! `[[correlation]]` entries: rank correlation between two per-path
//! parameters, checked one by one and then together (the matrix they form
//! must be positive definite), and compiled into the model's copula.
//!
//! An entry is addressed as `correlation.ID.rank`, ID being the snake case
//! of its `name` when it has one and its position in the file (1, 2, ...)
//! otherwise.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::raw::RawCorrelation;
use super::set::closest_path;
use super::{Scenario, Stream, snake_case};
use crate::dist::Param;
use crate::model::Kind;
use crate::model::correlation::{Copula, Member, cholesky, eigenvalues, normal_correlation};

/// The smallest eigenvalue a correlation matrix of normals may have: at
/// or below it the matrix is (numerically) singular or indefinite, and no
/// parameters can have those correlations together.
pub const MIN_EIGENVALUE: f64 = 1e-9;

/// A validated rank correlation between two per-path parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    /// `correlation.ID.rank` addresses it.
    pub id: String,
    /// The two parameters' `--set` paths (`kind.id.field`).
    pub between: [String; 2],
    /// Spearman's rank correlation, in [-1, 1].
    pub rank: f64,
}

/// One problem: the span, the field, the message and what is allowed.
pub(super) type Problem = (Option<Range<usize>>, String, String, String);

/// Why `rank` is not allowed, if it is not.
pub(super) fn rank_problem(rank: f64) -> Option<(String, String)> {
    (!(rank.is_finite() && (-1.0..=1.0).contains(&rank))).then(|| {
        (
            format!("rank {rank} is not allowed"),
            "a Spearman rank correlation, a number in [-1, 1]".to_string(),
        )
    })
}

/// The parameter at `path` (`kind.id.field`) among `streams`: its stream's
/// index and the field's static name and value.
fn find(streams: &[Stream], path: &str) -> Option<(usize, &'static str, Param, Kind)> {
    streams.iter().enumerate().find_map(|(i, s)| {
        let rest = path.strip_prefix(&s.path())?.strip_prefix('.')?;
        s.model
            .fields()
            .into_iter()
            .find(|f| f.name == rest)
            .map(|f| (i, f.name, f.param, s.kind()))
    })
}

/// Checks every entry of the file against the streams, then the matrix
/// they form, and returns them with the problems found.
pub(super) fn build(
    raw: &[Spanned<RawCorrelation>],
    streams: &[Stream],
) -> (Vec<Correlation>, Vec<Problem>) {
    let mut problems: Vec<Problem> = Vec::new();
    let mut entries = Vec::new();
    let mut spans = Vec::new();
    let mut ids: HashMap<String, ()> = HashMap::new();
    let mut pairs: HashMap<[String; 2], String> = HashMap::new();
    let all_paths: Vec<String> = streams
        .iter()
        .flat_map(|s| {
            s.model
                .fields()
                .into_iter()
                .map(move |f| format!("{}.{}", s.path(), f.name))
        })
        .collect();
    for (n, entry) in raw.iter().enumerate() {
        let span = entry.span();
        let e = entry.get_ref();
        let id = match &e.name {
            Some(name) => snake_case(name.get_ref()),
            None => (n + 1).to_string(),
        };
        let field = format!("correlation.{id}");
        let mut bad = false;
        let mut report = |span: Range<usize>, field: String, message: String, help: String| {
            problems.push((Some(span), field, message, help));
            bad = true;
        };
        if id.is_empty() {
            let name = e.name.as_ref().expect("only a name can give an empty id");
            report(
                name.span(),
                "correlation.name".into(),
                format!("cannot make an id from the name \"{}\"", name.get_ref()),
                "a name with letters or digits".into(),
            );
        } else if ids.insert(id.clone(), ()).is_some() {
            report(
                e.name.as_ref().map_or(span.clone(), |n| n.span()),
                field.clone(),
                format!("duplicate correlation id \"{id}\""),
                "give each [[correlation]] a distinct name".into(),
            );
        }
        if let Some((message, help)) = rank_problem(*e.rank.get_ref()) {
            report(e.rank.span(), format!("{field}.rank"), message, help);
        }
        let list = e.between.get_ref();
        if list.len() != 2 {
            report(
                e.between.span(),
                format!("{field}.between"),
                format!(
                    "between names {} parameters; a correlation is between two",
                    list.len()
                ),
                "between = [\"kind.id.field\", \"kind.id.field\"]; several entries form a matrix"
                    .into(),
            );
        }
        for path in list {
            let text = path.get_ref();
            match find(streams, text) {
                None => {
                    let help = match closest_path(text, all_paths.iter().map(String::as_str)) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "a parameter's path as `--set` spells it, kind.id.field; \
                                 `simulate FILE --list-parameters` lists them"
                            .to_string(),
                    };
                    report(
                        path.span(),
                        format!("{field}.between"),
                        format!("no parameter has the path `{text}`"),
                        help,
                    );
                }
                Some((_, _, Param::Fixed(x), _)) => report(
                    path.span(),
                    format!("{field}.between"),
                    format!("`{text}` is a plain number ({x}), not a distribution"),
                    "only parameters drawn on every path can be correlated; give it a \
                     distribution, or leave it out"
                        .into(),
                ),
                Some((_, "monthly_spend", _, Kind::Pipeline)) => report(
                    path.span(),
                    format!("{field}.between"),
                    format!("`{text}` is drawn for each new client, not once per path"),
                    "correlate parameters drawn once per path: a pipeline's \
                     arrivals_per_month, ramp_months or annual_growth"
                        .into(),
                ),
                Some(_) => {}
            }
        }
        if let [a, b] = list.as_slice() {
            if a.get_ref() == b.get_ref() {
                report(
                    b.span(),
                    format!("{field}.between"),
                    format!("`{}` is named twice", a.get_ref()),
                    "a correlation is between two different parameters".into(),
                );
            } else {
                let mut key = [a.get_ref().clone(), b.get_ref().clone()];
                key.sort();
                if let Some(other) = pairs.insert(key, id.clone()) {
                    report(
                        e.between.span(),
                        format!("{field}.between"),
                        format!(
                            "these two parameters are already correlated by correlation.{other}"
                        ),
                        "give each pair of parameters one rank".into(),
                    );
                }
            }
        }
        if !bad && let [a, b] = list.as_slice() {
            entries.push(Correlation {
                id,
                between: [a.get_ref().clone(), b.get_ref().clone()],
                rank: *e.rank.get_ref(),
            });
            spans.push(span);
        }
    }
    if let Some((i, message, help)) = definiteness_problem(&entries) {
        problems.push((Some(spans[i].clone()), "correlation".into(), message, help));
    }
    (entries, problems)
}

/// The entries' parameters, sorted (so the order of the file's entries
/// moves nothing), and the normals' correlation matrix over them.
fn matrix(entries: &[&Correlation]) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut paths: Vec<String> = entries
        .iter()
        .flat_map(|c| c.between.iter().cloned())
        .collect();
    paths.sort();
    paths.dedup();
    let index = |p: &str| paths.iter().position(|q| q == p).expect("listed above");
    let n = paths.len();
    let mut m = vec![vec![0.0; n]; n];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for c in entries {
        let (a, b) = (index(&c.between[0]), index(&c.between[1]));
        let r = normal_correlation(c.rank);
        m[a][b] = r;
        m[b][a] = r;
    }
    (paths, m)
}

/// The entries linked through shared parameters, as lists of indices.
fn groups(entries: &[Correlation]) -> Vec<Vec<usize>> {
    let mut group: Vec<usize> = (0..entries.len()).collect();
    let root = |group: &Vec<usize>, mut i: usize| {
        while group[i] != i {
            i = group[i];
        }
        i
    };
    for i in 0..entries.len() {
        for j in 0..i {
            let shared = entries[i]
                .between
                .iter()
                .any(|p| entries[j].between.contains(p));
            if shared {
                let (a, b) = (root(&group, i), root(&group, j));
                group[a] = b;
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut roots: Vec<usize> = Vec::new();
    for i in 0..entries.len() {
        let r = root(&group, i);
        match roots.iter().position(|&x| x == r) {
            Some(k) => out[k].push(i),
            None => {
                roots.push(r);
                out.push(vec![i]);
            }
        }
    }
    out
}

/// The first group of entries whose matrix is not positive definite: the
/// index of its first entry, the message naming its entries and smallest
/// eigenvalue, and the help.
pub(super) fn definiteness_problem(entries: &[Correlation]) -> Option<(usize, String, String)> {
    groups(entries).into_iter().find_map(|group| {
        let members: Vec<&Correlation> = group.iter().map(|&i| &entries[i]).collect();
        let (_, m) = matrix(&members);
        let smallest = eigenvalues(&m)[0];
        // The copula factors the matrix by Cholesky: a matrix it cannot
        // factor is refused too, never run uncorrelated.
        (smallest <= MIN_EIGENVALUE || cholesky(&m).is_none()).then(|| {
            let named = members
                .iter()
                .map(|c| {
                    format!(
                        "correlation.{} ({} ~ {}, rank {})",
                        c.id, c.between[0], c.between[1], c.rank
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            (
                group[0],
                format!(
                    "the rank correlations {named} cannot hold together: the correlation \
                     matrix of their normals is not positive definite (smallest eigenvalue \
                     {smallest:.3e})"
                ),
                format!(
                    "no parameters can be correlated so; weaken one of these ranks until \
                     the smallest eigenvalue is above {MIN_EIGENVALUE:e} (ranks of ±1 are \
                     singular: give the same parameter instead)"
                ),
            )
        })
    })
}

impl Scenario {
    /// The copula of the entries with a non-zero rank whose parameters are
    /// both drawn per path, or `None` when there is none: a rank of 0, or
    /// a parameter fixed by `--set` (as the tornado and sweeps do), leaves
    /// the draws exactly as without the entry.
    pub fn copula(&self) -> Option<Copula> {
        let active: Vec<&Correlation> = self
            .correlations
            .iter()
            .filter(|c| {
                c.rank != 0.0
                    && c.between.iter().all(|p| {
                        matches!(find(&self.streams, p), Some((_, _, Param::Random(_), _)))
                    })
            })
            .collect();
        if active.is_empty() {
            return None;
        }
        let (paths, m) = matrix(&active);
        let members = paths
            .iter()
            .map(|p| {
                let (stream, field, param, _) = find(&self.streams, p).expect("checked above");
                Member {
                    stream,
                    key: crate::rng::key(&self.streams[stream].path()),
                    field,
                    param,
                }
            })
            .collect();
        Copula::new(members, &m)
    }
}
