//! The second stage: raw values become a [`Scenario`] whose every field is
//! allowed. All problems are collected, so a user fixes a file in one go.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use toml::Spanned;

use super::error::{Diagnostic, ScenarioError, closest};
use super::factor::Factor;
use super::raw::{RawDist, RawFile, RawParam, Whole};
use super::{
    MAX_HORIZON_MONTHS, MAX_STREAMS, MAX_TARGETS, Measure, Scenario, Stream, Target,
    arrivals_problem, is_valid_id, snake_case,
};
use crate::dist::{self, Dist, DistError, Param, Quantiles};
use crate::model::{
    Churn, Client, FactorKind, Growth, GrowthStream, Kind, Model, Pipeline, Subscription,
};

pub const DEFAULT_HORIZON_MONTHS: u32 = 12;

type Spans = HashMap<&'static str, Range<usize>>;

/// The growth keys of a client, subscription or stream as written, and
/// the factors they may link to.
struct RawGrowth<'a> {
    annual_growth: Option<&'a Spanned<RawParam>>,
    volatility: Option<&'a Spanned<RawParam>>,
    factor: Option<&'a Spanned<String>>,
    loading: Option<&'a Spanned<RawParam>>,
    factors: &'a [Factor],
}
pub const DEFAULT_PATHS: u64 = 100_000;
pub const DEFAULT_SEED: u64 = 0;

/// Builds a [`Param`] from what the file says, or says why it cannot.
/// The second string of the error, when present, is a hint.
pub fn build_param(raw: &RawParam) -> Result<Param, (String, Option<String>)> {
    match raw {
        RawParam::Number(x) if x.is_finite() => Ok(Param::fixed(*x)),
        RawParam::Number(x) => Err((format!("{x} is not a finite number"), None)),
        RawParam::Dist(d) => build_dist(d),
    }
}

fn build_dist(d: &RawDist) -> Result<Param, (String, Option<String>)> {
    let forms = dist::forms(&d.dist);
    if forms.is_empty() {
        let allowed = dist::NAMES.join(", ");
        let help = match closest(&d.dist, dist::NAMES.iter().copied()) {
            Some(best) => format!("did you mean \"{best}\"? allowed: {allowed}"),
            None => format!("allowed: {allowed}"),
        };
        return Err((format!("unknown distribution \"{}\"", d.dist), Some(help)));
    }
    let given = [
        ("mean", d.mean),
        ("sd", d.sd),
        ("median", d.median),
        ("sigma", d.sigma),
        ("min", d.min),
        ("mode", d.mode),
        ("max", d.max),
        ("alpha", d.alpha),
        ("beta", d.beta),
        ("p", d.p),
        ("p5", d.p5),
        ("p10", d.p10),
        ("p90", d.p90),
        ("p95", d.p95),
        ("values", d.values.as_ref().map(|_| 0.0)),
        ("weights", d.weights.as_ref().map(|_| 0.0)),
    ];
    let keys = |form: &[&str]| {
        form.iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let takes_list = forms
        .iter()
        .map(|f| keys(f))
        .collect::<Vec<_>>()
        .join(", or ");
    let usage = format!(
        "{} takes {takes_list}, and optionally `clamp = [lo, hi]` or `truncate = [lo, hi]`",
        d.dist
    );
    for (key, value) in given {
        if value.is_some() && !forms.iter().any(|f| f.contains(&key)) {
            return Err((
                format!("`{key}` is not a parameter of {}", d.dist),
                Some(usage),
            ));
        }
    }
    let get = |key: &str| given.iter().find(|(k, _)| *k == key).and_then(|(_, v)| *v);
    // The form is the one whose keys are all given, with no key of
    // another; otherwise the message names what is missing from the form
    // most nearly given.
    let given_keys: Vec<&str> = given
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| *k)
        .collect();
    let form = forms
        .iter()
        .find(|f| f.iter().all(|k| get(k).is_some()) && given_keys.iter().all(|k| f.contains(k)));
    let Some(form) = form else {
        let nearest = forms
            .iter()
            .max_by_key(|f| {
                // Most keys in common; the first form on a tie.
                (
                    f.iter().filter(|k| get(k).is_some()).count(),
                    usize::MAX - forms.iter().position(|g| g == *f).unwrap_or(0),
                )
            })
            .copied()
            .unwrap_or(forms[0]);
        let missing: Vec<String> = nearest
            .iter()
            .filter(|k| get(k).is_none())
            .map(|k| format!("`{k}`"))
            .collect();
        let extra: Vec<String> = given_keys
            .iter()
            .filter(|k| !nearest.contains(k))
            .map(|k| format!("`{k}`"))
            .collect();
        let message = if missing.is_empty() {
            format!(
                "{} cannot take {} together with {}",
                d.dist,
                extra.join(" and "),
                keys(nearest)
            )
        } else {
            format!("{} needs {}", d.dist, missing.join(" and "))
        };
        return Err((message, Some(usage)));
    };
    let v = |key: &str| get(key).unwrap_or(f64::NAN);
    let built = match (d.dist.as_str(), form[0]) {
        ("normal", "p10") => Dist::normal_quantiles(Quantiles::P10P90, v("p10"), v("p90")),
        ("normal", "p5") => Dist::normal_quantiles(Quantiles::P5P95, v("p5"), v("p95")),
        ("normal", _) => Dist::normal(v("mean"), v("sd")),
        ("lognormal", "p10") => Dist::lognormal_quantiles(Quantiles::P10P90, v("p10"), v("p90")),
        ("lognormal", "p5") => Dist::lognormal_quantiles(Quantiles::P5P95, v("p5"), v("p95")),
        ("lognormal", "mean") => Dist::lognormal_mean_sd(v("mean"), v("sd")),
        ("lognormal", _) => Dist::lognormal(v("median"), v("sigma")),
        ("uniform", _) => Dist::uniform(v("min"), v("max")),
        ("triangular", _) => Dist::triangular(v("min"), v("mode"), v("max")),
        ("pert", _) => Dist::pert(v("min"), v("mode"), v("max")),
        ("beta", _) => Dist::beta(v("alpha"), v("beta")),
        ("bernoulli", _) => Dist::bernoulli(v("p")),
        ("discrete", _) => Dist::discrete(
            d.values.as_deref().unwrap_or_default(),
            d.weights.as_deref().unwrap_or_default(),
        ),
        (other, _) => return Err((format!("unknown distribution \"{other}\""), None)),
    };
    built
        .and_then(|dist| match (d.clamp, d.truncate) {
            (Some(_), Some(_)) => Err(DistError::ClampAndTruncate),
            (_, Some([lo, hi])) => Param::truncated(dist, lo, hi),
            (clamp, None) => Param::random(dist, clamp.map(|[lo, hi]| (lo, hi))),
        })
        .map_err(|e| (format!("invalid {}: {e}", d.dist), Some(usage)))
}

pub(super) struct Builder<'a> {
    text: &'a str,
    origin: &'a str,
    problems: Vec<Diagnostic>,
}

impl Builder<'_> {
    pub(super) fn report(
        &mut self,
        span: Option<Range<usize>>,
        field: &str,
        message: String,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::at(self.origin, self.text, span, Some(field), message);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.problems.push(d);
    }

    /// A parameter, or its default when absent. Records its span under
    /// `name` so that the range check after building can point at it.
    pub(super) fn param(
        &mut self,
        prefix: &str,
        name: &'static str,
        raw: Option<&Spanned<RawParam>>,
        default: f64,
        spans: &mut HashMap<&'static str, Range<usize>>,
    ) -> Param {
        let Some(raw) = raw else {
            return Param::fixed(default);
        };
        spans.insert(name, raw.span());
        match build_param(raw.get_ref()) {
            Ok(p) => p,
            Err((message, help)) => {
                self.report(Some(raw.span()), &format!("{prefix}.{name}"), message, help);
                Param::fixed(default)
            }
        }
    }

    /// The growth index's parameters and factor link, shared by three
    /// kinds.
    fn growth(&mut self, prefix: &str, raw: RawGrowth<'_>, spans: &mut Spans) -> Growth {
        Growth {
            annual_growth: self.param(prefix, "annual_growth", raw.annual_growth, 0.0, spans),
            volatility: self.param(prefix, "volatility", raw.volatility, 0.0, spans),
            factor: self.link(
                prefix,
                "loading",
                FactorKind::Growth,
                raw.factor,
                raw.loading,
                raw.factors,
                spans,
            ),
        }
    }

    fn integer(
        &mut self,
        field: &str,
        raw: Option<&Spanned<Whole>>,
        default: u64,
        min: u64,
        max: u64,
    ) -> u64 {
        let Some(raw) = raw else { return default };
        match raw.get_ref().whole().and_then(|v| u64::try_from(v).ok()) {
            Some(value) if (min..=max).contains(&value) => value,
            _ => {
                let allowed = if max >= i64::MAX as u64 {
                    format!("a whole number >= {min}")
                } else {
                    format!("a whole number from {min} to {max}")
                };
                self.report(
                    Some(raw.span()),
                    field,
                    format!("{} is not allowed", raw.get_ref()),
                    Some(allowed),
                );
                default
            }
        }
    }

    /// The id of a stream or target: the given one, checked, or the name in
    /// snake case.
    pub(super) fn id(
        &mut self,
        kind: &str,
        name: &Spanned<String>,
        id: Option<&Spanned<String>>,
    ) -> String {
        match id {
            Some(id) => {
                if !is_valid_id(id.get_ref()) {
                    self.report(
                        Some(id.span()),
                        &format!("{kind}.{}", id.get_ref()),
                        format!("\"{}\" is not a valid id", id.get_ref()),
                        Some("lower-case letters, digits and underscores, for example \"tiktok_bytedance\"".into()),
                    );
                }
                id.get_ref().clone()
            }
            None => {
                let derived = snake_case(name.get_ref());
                if derived.is_empty() {
                    self.report(
                        Some(name.span()),
                        &format!("{kind}.name"),
                        format!("cannot make an id from the name \"{}\"", name.get_ref()),
                        Some(
                            "add id = \"...\" with lower-case letters, digits and underscores"
                                .into(),
                        ),
                    );
                }
                derived
            }
        }
    }
}

impl Builder<'_> {
    /// A target's `months = [first, last]`: both inside the horizon and in
    /// order, or reported (and `None`, the whole horizon, kept meanwhile).
    fn window(
        &mut self,
        path: &str,
        raw: Option<&Spanned<Vec<Spanned<Whole>>>>,
        horizon: u32,
    ) -> Option<(u32, u32)> {
        let raw = raw?;
        let field = format!("{path}.months");
        let allowed = format!(
            "[first, last]: whole months from 1 to the horizon ({horizon}), first <= last, \
             both included; leave `months` out for the whole horizon"
        );
        let [first, last] = raw.get_ref().as_slice() else {
            self.report(
                Some(raw.span()),
                &field,
                format!(
                    "a window is two months, first and last; {} given",
                    raw.get_ref().len()
                ),
                Some(allowed),
            );
            return None;
        };
        let mut month = |m: &Spanned<Whole>| match m.get_ref().whole() {
            Some(v) if v >= 1 && v <= i64::from(horizon) => Some(v as u32),
            _ => {
                self.report(
                    Some(m.span()),
                    &field,
                    format!(
                        "month {} is outside the {horizon}-month horizon",
                        m.get_ref()
                    ),
                    Some(allowed.clone()),
                );
                None
            }
        };
        let (first_month, last_month) = (month(first)?, month(last)?);
        if first_month > last_month {
            self.report(
                Some(raw.span()),
                &field,
                format!("the window starts at month {first_month}, after its end {last_month}"),
                Some(allowed),
            );
            return None;
        }
        Some((first_month, last_month))
    }

    /// A target's `measure`, by name.
    fn measure(&mut self, path: &str, raw: Option<&Spanned<String>>) -> Measure {
        let Some(raw) = raw else {
            return Measure::default();
        };
        Measure::from_name(raw.get_ref()).unwrap_or_else(|| {
            let allowed = Measure::NAMES
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let help = match closest(raw.get_ref(), Measure::NAMES.iter().copied()) {
                Some(best) => format!("did you mean \"{best}\"? allowed: {allowed}"),
                None => format!("allowed: {allowed}"),
            };
            self.report(
                Some(raw.span()),
                &format!("{path}.measure"),
                format!("unknown measure \"{}\"", raw.get_ref()),
                Some(help),
            );
            Measure::default()
        })
    }

    /// One stream of any kind: its id and segment, and the model that
    /// `build` makes from its parameters (given the `kind.id` prefix and
    /// the map where parameter spans are recorded).
    fn stream(
        &mut self,
        kind: &str,
        name: &Spanned<String>,
        id: Option<&Spanned<String>>,
        segment: &Spanned<String>,
        span: Range<usize>,
        build: impl FnOnce(&mut Self, &str, &mut HashMap<&'static str, Range<usize>>) -> Model,
    ) -> Pending {
        let stream_id = self.id(kind, name, id);
        let mut spans = HashMap::new();
        let model = build(self, &format!("{kind}.{stream_id}"), &mut spans);
        Pending {
            id_span: id.map_or(name.span(), |i| i.span()),
            segment_span: segment.span(),
            stream: Stream {
                id: stream_id,
                name: name.get_ref().clone(),
                segment: segment.get_ref().clone(),
                model,
            },
            span,
            spans,
        }
    }
}

struct Pending {
    stream: Stream,
    span: Range<usize>,
    id_span: Range<usize>,
    segment_span: Range<usize>,
    spans: HashMap<&'static str, Range<usize>>,
}

pub fn validate(raw: RawFile, text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let mut b = Builder {
        text,
        origin,
        problems: Vec::new(),
    };
    let header = raw.scenario.get_ref();
    let name = header.name.get_ref().clone();
    let horizon_months = b.integer(
        "scenario.horizon_months",
        header.horizon_months.as_ref(),
        u64::from(DEFAULT_HORIZON_MONTHS),
        1,
        u64::from(MAX_HORIZON_MONTHS),
    ) as u32;
    let paths = b.integer(
        "scenario.paths",
        header.paths.as_ref(),
        DEFAULT_PATHS,
        crate::engine::MIN_PATHS,
        u64::MAX,
    );
    let seed = b.integer(
        "scenario.seed",
        header.seed.as_ref(),
        DEFAULT_SEED,
        0,
        u64::MAX,
    );

    let factors = b.factors(&raw.factor);
    let factors = factors.as_slice();
    let mut pending: Vec<Pending> = Vec::new();
    for c in &raw.client {
        let (span, c) = (c.span(), c.get_ref());
        pending.push(b.stream(
            "client",
            &c.name,
            c.id.as_ref(),
            &c.segment,
            span,
            |b, prefix, spans| {
                let churn = match &c.churn {
                    None => Churn::default(),
                    Some(ch) => {
                        let ch = ch.get_ref();
                        Churn {
                            probability: b.param(
                                prefix,
                                "churn.probability",
                                Some(&ch.probability),
                                0.0,
                                spans,
                            ),
                            earliest_month: b.integer(
                                &format!("{prefix}.churn.earliest_month"),
                                ch.earliest_month.as_ref(),
                                1,
                                1,
                                u64::from(u32::MAX),
                            ) as u32,
                            retain: b.param(prefix, "churn.retain", ch.retain.as_ref(), 0.0, spans),
                            ramp_months: b.param(
                                prefix,
                                "churn.ramp_months",
                                ch.ramp_months.as_ref(),
                                1.0,
                                spans,
                            ),
                            factor: b.link(
                                prefix,
                                "churn.loading",
                                FactorKind::Churn,
                                ch.factor.as_ref(),
                                ch.loading.as_ref(),
                                factors,
                                spans,
                            ),
                        }
                    }
                };
                Model::Client(Client {
                    monthly_spend: b.param(
                        prefix,
                        "monthly_spend",
                        Some(&c.monthly_spend),
                        0.0,
                        spans,
                    ),
                    growth: b.growth(
                        prefix,
                        RawGrowth {
                            annual_growth: c.annual_growth.as_ref(),
                            volatility: c.volatility.as_ref(),
                            factor: c.factor.as_ref(),
                            loading: c.loading.as_ref(),
                            factors,
                        },
                        spans,
                    ),
                    churn,
                })
            },
        ));
    }
    for p in &raw.pipeline {
        let (span, p) = (p.span(), p.get_ref());
        pending.push(b.stream(
            "pipeline",
            &p.name,
            p.id.as_ref(),
            &p.segment,
            span,
            |b, prefix, spans| {
                Model::Pipeline(Pipeline {
                    arrivals_per_month: b.param(
                        prefix,
                        "arrivals_per_month",
                        Some(&p.arrivals_per_month),
                        0.0,
                        spans,
                    ),
                    monthly_spend: b.param(
                        prefix,
                        "monthly_spend",
                        Some(&p.monthly_spend),
                        0.0,
                        spans,
                    ),
                    ramp_months: b.param(prefix, "ramp_months", p.ramp_months.as_ref(), 1.0, spans),
                    annual_growth: b.param(
                        prefix,
                        "annual_growth",
                        p.annual_growth.as_ref(),
                        0.0,
                        spans,
                    ),
                })
            },
        ));
    }
    for s in &raw.subscription {
        let (span, s) = (s.span(), s.get_ref());
        pending.push(b.stream(
            "subscription",
            &s.name,
            s.id.as_ref(),
            &s.segment,
            span,
            |b, prefix, spans| {
                Model::Subscription(Subscription {
                    seats: b.param(prefix, "seats", Some(&s.seats), 0.0, spans),
                    price_per_seat: b.param(
                        prefix,
                        "price_per_seat",
                        Some(&s.price_per_seat),
                        0.0,
                        spans,
                    ),
                    growth: b.growth(
                        prefix,
                        RawGrowth {
                            annual_growth: s.annual_growth.as_ref(),
                            volatility: s.volatility.as_ref(),
                            factor: s.factor.as_ref(),
                            loading: s.loading.as_ref(),
                            factors,
                        },
                        spans,
                    ),
                })
            },
        ));
    }
    for s in &raw.stream {
        let (span, s) = (s.span(), s.get_ref());
        pending.push(b.stream(
            "stream",
            &s.name,
            s.id.as_ref(),
            &s.segment,
            span,
            |b, prefix, spans| {
                Model::Stream(GrowthStream {
                    monthly_revenue: b.param(
                        prefix,
                        "monthly_revenue",
                        Some(&s.monthly_revenue),
                        0.0,
                        spans,
                    ),
                    growth: b.growth(
                        prefix,
                        RawGrowth {
                            annual_growth: s.annual_growth.as_ref(),
                            volatility: s.volatility.as_ref(),
                            factor: s.factor.as_ref(),
                            loading: s.loading.as_ref(),
                            factors,
                        },
                        spans,
                    ),
                })
            },
        ));
    }

    // Ranges, duplicates and segments, now that every stream has its id.
    let mut seen: HashMap<(Kind, String), ()> = HashMap::new();
    for p in &pending {
        let path = p.stream.path();
        if seen
            .insert((p.stream.kind(), p.stream.id.clone()), ())
            .is_some()
        {
            b.report(
                Some(p.id_span.clone()),
                &path,
                format!(
                    "duplicate id \"{}\": another [[{}]] has it",
                    p.stream.id,
                    p.stream.kind().as_str()
                ),
                Some("ids must be unique within a kind; give one of them id = \"...\"".into()),
            );
        }
        if p.stream.segment.trim().is_empty() {
            b.report(
                Some(p.segment_span.clone()),
                &format!("{path}.segment"),
                "segment is empty".into(),
                None,
            );
        }
        if let Some((message, help)) = arrivals_problem(&p.stream.model, horizon_months) {
            let span = p.spans.get("arrivals_per_month").cloned();
            b.report(
                span.or(Some(p.span.clone())),
                &format!("{path}.arrivals_per_month"),
                message,
                Some(help),
            );
        }
        for field in p.stream.model.fields() {
            if let Err((message, help)) = field.allowed.check(&field.param) {
                let span = p.spans.get(field.name).cloned().unwrap_or(p.span.clone());
                b.report(
                    Some(span),
                    &format!("{path}.{}", field.name),
                    message,
                    Some(help),
                );
            }
        }
    }
    let streams: Vec<Stream> = pending.into_iter().map(|p| p.stream).collect();
    if streams.len() > MAX_STREAMS {
        b.problems.push(
            Diagnostic::new(
                origin,
                None,
                format!("the scenario has {} revenue streams", streams.len()),
            )
            .with_help(format!(
                "at most {MAX_STREAMS}; group small clients into a [[pipeline]] or a [[stream]]"
            )),
        );
    }
    if raw.target.len() > MAX_TARGETS {
        b.problems.push(
            Diagnostic::new(
                origin,
                None,
                format!("the scenario has {} targets", raw.target.len()),
            )
            .with_help(format!("at most {MAX_TARGETS}")),
        );
    }
    if streams.is_empty() {
        b.problems.push(
            Diagnostic::new(origin, None, "the scenario has no revenue streams").with_help(
                "declare at least one [[client]], [[pipeline]], [[subscription]] or [[stream]]",
            ),
        );
    }
    let segments: BTreeSet<&str> = streams.iter().map(|s| s.segment.as_str()).collect();

    let mut targets = Vec::new();
    let mut target_ids: HashMap<String, ()> = HashMap::new();
    for t in &raw.target {
        let t = t.get_ref();
        let id = b.id("target", &t.name, t.id.as_ref());
        let path = format!("target.{id}");
        if target_ids.insert(id.clone(), ()).is_some() {
            b.report(
                Some(t.id.as_ref().map_or(t.name.span(), |i| i.span())),
                &path,
                format!("duplicate target id \"{id}\""),
                Some("give each target a distinct name or id".into()),
            );
        }
        let amount = *t.amount.get_ref();
        if !(amount.is_finite() && amount >= 0.0) {
            b.report(
                Some(t.amount.span()),
                &format!("{path}.amount"),
                format!("{amount} is not allowed"),
                Some("a number >= 0".into()),
            );
        }
        let chosen: Vec<String> = match &t.segments {
            None => segments.iter().map(|s| s.to_string()).collect(),
            Some(list) => {
                if list.get_ref().is_empty() {
                    b.report(
                        Some(list.span()),
                        &format!("{path}.segments"),
                        "an empty list counts no revenue".into(),
                        Some("leave `segments` out to count every segment".into()),
                    );
                }
                let mut listed: BTreeSet<&str> = BTreeSet::new();
                for s in list.get_ref() {
                    if !listed.insert(s.get_ref().as_str()) {
                        // Counting a segment twice would double its revenue.
                        b.report(
                            Some(s.span()),
                            &format!("{path}.segments"),
                            format!("segment \"{}\" is listed twice", s.get_ref()),
                            Some("list each segment once; a target counts each segment's revenue once".into()),
                        );
                        continue;
                    }
                    if !segments.contains(s.get_ref().as_str()) {
                        let known = segments
                            .iter()
                            .map(|s| format!("\"{s}\""))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let help = match closest(s.get_ref(), segments.iter().copied()) {
                            Some(best) => format!(
                                "did you mean \"{best}\"? segments of this scenario: {known}"
                            ),
                            None => format!("segments of this scenario: {known}"),
                        };
                        b.report(
                            Some(s.span()),
                            &format!("{path}.segments"),
                            format!("no stream is in segment \"{}\"", s.get_ref()),
                            Some(help),
                        );
                    }
                }
                // A set: sorted, so that the order written moves nothing.
                let mut chosen: Vec<String> =
                    list.get_ref().iter().map(|s| s.get_ref().clone()).collect();
                chosen.sort();
                chosen.dedup();
                chosen
            }
        };
        let months = b.window(&path, t.months.as_ref(), horizon_months);
        let measure = b.measure(&path, t.measure.as_ref());
        targets.push(Target {
            id,
            name: t.name.get_ref().clone(),
            amount,
            segments: chosen,
            months,
            measure,
        });
    }
    if targets.is_empty() {
        b.problems.push(
            Diagnostic::new(origin, None, "the scenario has no targets").with_help(
                "declare at least one [[target]] with name and amount, e.g. \
                 [[target]] name = \"Total\" amount = 1e9",
            ),
        );
    }

    let (correlations, problems) = super::correlation::build(&raw.correlation, &streams);
    for (span, field, message, help) in problems {
        b.report(span, &field, message, Some(help));
    }

    if !b.problems.is_empty() {
        // In file order, whatever order the checks ran in.
        b.problems
            .sort_by_key(|d| d.position.unwrap_or((u32::MAX, 0)));
        return Err(ScenarioError::Invalid(b.problems));
    }
    Ok(Scenario {
        name,
        description: header.description.clone(),
        horizon_months,
        paths,
        seed,
        targets,
        streams,
        factors: factors.to_vec(),
        correlations,
        origin: origin.to_string(),
    })
}
