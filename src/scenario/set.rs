//! Changing one parameter of a validated scenario by its dotted path, as
//! `--set client.tiktok_bytedance.churn.probability=0.6` and sweeps do.
//!
//! Paths are `kind.id.field[.field]` or `scenario.field`; the value goes
//! through the same checks as the file, so a scenario stays valid.

use super::correlation;
use super::error::Diagnostic;
use super::raw;
use super::validate::build_param;
use super::{MAX_HORIZON_MONTHS, Scenario, arrivals_problem};
use crate::model::Kind;

/// A parameter value as a scenario file would write it: a number or a
/// distribution table.
pub use super::raw::RawParam as ParamValue;

/// Parses `VALUE` of `--set PATH=VALUE`: a TOML number or inline table.
pub fn parse_value(text: &str) -> Result<ParamValue, String> {
    raw::parse_param(text)
}

const SCENARIO_FIELDS: [&str; 3] = ["scenario.horizon_months", "scenario.paths", "scenario.seed"];

impl Scenario {
    /// Every path that [`Scenario::set`] accepts, in a stable order.
    pub fn parameter_paths(&self) -> Vec<String> {
        self.parameters()
            .into_iter()
            .map(|(path, _)| path)
            .collect()
    }

    /// Every settable path with its current value, as a person reads it.
    pub fn parameters(&self) -> Vec<(String, String)> {
        let mut list = vec![
            (
                SCENARIO_FIELDS[0].to_string(),
                self.horizon_months.to_string(),
            ),
            (SCENARIO_FIELDS[1].to_string(), self.paths.to_string()),
            (SCENARIO_FIELDS[2].to_string(), self.seed.to_string()),
        ];
        for t in &self.targets {
            list.push((format!("target.{}.amount", t.id), t.amount.to_string()));
        }
        for s in &self.streams {
            for f in s.model.fields() {
                list.push((format!("{}.{}", s.path(), f.name), f.param.to_string()));
            }
            if let crate::model::Model::Client(c) = &s.model {
                list.push((
                    format!("{}.churn.earliest_month", s.path()),
                    c.churn.earliest_month.to_string(),
                ));
            }
        }
        for c in &self.correlations {
            list.push((format!("correlation.{}.rank", c.id), c.rank.to_string()));
        }
        list
    }

    /// Sets the parameter at `path`. `origin` names where the value came
    /// from in messages (for example `--set`, or a sweep file).
    pub fn set(&mut self, path: &str, value: &ParamValue, origin: &str) -> Result<(), Diagnostic> {
        let problem = |message: String| Diagnostic::new(origin, Some(path), message);
        let unknown = |scenario: &Scenario| {
            let paths = scenario.parameter_paths();
            let d = Diagnostic::new(origin, Some(path), "no parameter has this path");
            match closest_path(path, paths.iter().map(String::as_str)) {
                Some(best) => d.with_help(format!("did you mean `{best}`?")),
                None => d.with_help(
                    "paths are kind.id.field (client, pipeline, subscription, stream), \
                     target.id.amount, correlation.id.rank or scenario.field; \
                     `simulate FILE --list-parameters` lists them",
                ),
            }
        };
        let mut parts = path.splitn(3, '.');
        let (Some(head), Some(second)) = (parts.next(), parts.next()) else {
            return Err(unknown(self));
        };
        let rest = parts.next();

        if head == "scenario" && rest.is_none() {
            let (min, max) = match second {
                "horizon_months" => (1, u64::from(MAX_HORIZON_MONTHS)),
                "paths" => (crate::engine::MIN_PATHS, u64::MAX),
                "seed" => (0, u64::MAX),
                _ => return Err(unknown(self)),
            };
            let n = whole_number(value, min, max).map_err(|h| problem(h.0).with_help(h.1))?;
            if second == "horizon_months"
                && let Some((message, help)) = self
                    .streams
                    .iter()
                    .find_map(|s| arrivals_problem(&s.model, n as u32))
            {
                return Err(problem(message).with_help(help));
            }
            if second == "horizon_months"
                && let Some(t) = self
                    .targets
                    .iter()
                    .find(|t| t.months.is_some_and(|(_, last)| u64::from(last) > n))
            {
                let (first, last) = t.window(self.horizon_months);
                return Err(problem(format!(
                    "target.{}.months = [{first}, {last}] would end after a {n}-month horizon",
                    t.id
                ))
                .with_help(format!("a horizon of at least {last} months")));
            }
            match second {
                "horizon_months" => self.horizon_months = n as u32,
                "paths" => self.paths = n,
                _ => self.seed = n,
            }
            return Ok(());
        }
        if head == "target" && rest == Some("amount") {
            let Some(target) = self.targets.iter_mut().find(|t| t.id == second) else {
                return Err(unknown(self));
            };
            match value {
                ParamValue::Number(x) if x.is_finite() && *x >= 0.0 => {
                    target.amount = *x;
                    return Ok(());
                }
                _ => {
                    return Err(problem("a target amount must be a number".into())
                        .with_help("a number >= 0"));
                }
            }
        }
        if head == "correlation" && rest == Some("rank") {
            let Some(i) = self.correlations.iter().position(|c| c.id == second) else {
                return Err(unknown(self));
            };
            let ParamValue::Number(rank) = value else {
                return Err(problem("a rank must be a number".into())
                    .with_help("a Spearman rank correlation, a number in [-1, 1]"));
            };
            if let Some((message, help)) = correlation::rank_problem(*rank) {
                return Err(problem(message).with_help(help));
            }
            let previous = std::mem::replace(&mut self.correlations[i].rank, *rank);
            if let Some((_, message, help)) = correlation::definiteness_problem(&self.correlations)
            {
                // Leave the scenario as it was: still valid.
                self.correlations[i].rank = previous;
                return Err(problem(message).with_help(help));
            }
            return Ok(());
        }
        let Some(kind) = Kind::ALL.into_iter().find(|k| k.as_str() == head) else {
            return Err(unknown(self));
        };
        let Some(field) = rest else {
            return Err(unknown(self));
        };
        let Some(stream) = self
            .streams
            .iter_mut()
            .find(|s| s.kind() == kind && s.id == second)
        else {
            return Err(unknown(self));
        };
        if field == "churn.earliest_month"
            && let crate::model::Model::Client(c) = &mut stream.model
        {
            let n = whole_number(value, 1, u64::from(u32::MAX))
                .map_err(|h| problem(h.0).with_help(h.1))?;
            c.churn.earliest_month = n as u32;
            return Ok(());
        }
        // `FIELD.KEY` reaches one key of a distribution (`...annual_growth.p90`).
        let (field, value) = match stream.model.fields().into_iter().find(|f| f.name == field) {
            Some(_) => (field, value.clone()),
            None => {
                let Some((f, key)) = field.rsplit_once('.') else {
                    return Err(unknown(self));
                };
                let Some(slot) = stream.model.fields().into_iter().find(|s| s.name == f) else {
                    return Err(unknown(self));
                };
                let changed = with_key(&slot.param, key, value)
                    .map_err(|(message, help)| problem(message).with_help(help))?;
                (f, changed)
            }
        };
        let built = build_param(&value);
        let Some(slot) = stream
            .model
            .fields_mut()
            .into_iter()
            .find(|f| f.name == field)
        else {
            return Err(unknown(self));
        };
        let param = built.map_err(|(message, help)| {
            let d = problem(message);
            match help {
                Some(h) => d.with_help(h),
                None => d,
            }
        })?;
        slot.allowed
            .check(&param)
            .map_err(|(message, help)| problem(message).with_help(help))?;
        let previous = std::mem::replace(slot.param, param);
        if let Some((message, help)) = arrivals_problem(&stream.model, self.horizon_months) {
            // Leave the scenario as it was: still valid.
            if let Some(slot) = stream
                .model
                .fields_mut()
                .into_iter()
                .find(|f| f.name == field)
            {
                *slot.param = previous;
            }
            return Err(problem(message).with_help(help));
        }
        Ok(())
    }

    /// Applies `PATH=VALUE`, as given to `--set`.
    pub fn set_assignment(&mut self, assignment: &str) -> Result<(), Diagnostic> {
        let origin = format!("--set {assignment}");
        let Some((path, value)) = assignment.split_once('=') else {
            return Err(Diagnostic::new(&origin, None, "expected PATH=VALUE")
                .with_help("for example --set client.tiktok_bytedance.churn.probability=0.6"));
        };
        let path = path.trim();
        let value = parse_value(value.trim()).map_err(|e| {
            Diagnostic::new(&origin, Some(path), format!("cannot read the value: {e}")).with_help(
                "a number, or an inline table such as { dist = \"uniform\", min = 0, max = 1 }",
            )
        })?;
        self.set(path, &value, &origin)
    }
}

/// The known path nearest to a mistyped one, compared part by part, so
/// that `client.tiktok.churn.probability` finds the TikTok client by its
/// id's prefix rather than another client whose whole path looks alike.
pub fn closest_path<'a>(
    path: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let similarity = |a: &str, b: &str| {
        if a == b {
            1.0
        } else if a.len() >= 3 && (b.starts_with(a) || a.starts_with(b)) {
            0.95
        } else if a.len() >= 3 && b.contains(a) {
            0.9
        } else {
            strsim::jaro_winkler(a, b)
        }
    };
    let split = |p: &'a str| -> Vec<&'a str> { p.splitn(3, '.').collect() };
    let wanted: Vec<&str> = path.splitn(3, '.').collect();
    candidates
        .into_iter()
        .map(|c| {
            let parts = split(c);
            let n = wanted.len().max(parts.len());
            let score: f64 = (0..n)
                .map(|i| match (wanted.get(i), parts.get(i)) {
                    (Some(a), Some(b)) => similarity(a, b),
                    _ => 0.0,
                })
                .sum::<f64>()
                / n as f64;
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The distribution of `param` as a file writes it, with `key` set to
/// `value`: what `--set FIELD.KEY=VALUE` means. Only a key the
/// distribution is written with can be set (`p90` of a normal given by
/// `p10`/`p90`, not its `sd`), a number for a number and a list for a list.
fn with_key(
    param: &crate::dist::Param,
    key: &str,
    value: &ParamValue,
) -> Result<ParamValue, (String, String)> {
    let serde_json::Value::Object(mut map) = serde_json::to_value(param).unwrap_or_default() else {
        return Err((
            "this field holds a number, not a distribution".into(),
            "set the whole field: FIELD=VALUE".into(),
        ));
    };
    let keys: Vec<String> = map.keys().filter(|k| *k != "dist").cloned().collect();
    let listed = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let ParamValue::Number(x) = value else {
        return Err((
            format!("`{key}` takes a number"),
            "give the whole distribution as FIELD={ dist = .. } instead".into(),
        ));
    };
    let slot = map.get_mut(key).filter(|v| v.is_number()).ok_or_else(|| {
        (
            format!("the distribution has no number `{key}` to set"),
            format!("its keys are {listed}; set the whole field to change its form"),
        )
    })?;
    *slot = serde_json::Value::from(*x);
    serde_json::from_value::<raw::RawDist>(serde_json::Value::Object(map))
        .map(ParamValue::Dist)
        .map_err(|e| (e.to_string(), format!("its keys are {listed}")))
}

fn whole_number(value: &ParamValue, min: u64, max: u64) -> Result<u64, (String, String)> {
    let allowed = if max == u64::MAX {
        format!("a whole number >= {min}")
    } else {
        format!("a whole number from {min} to {max}")
    };
    match value {
        ParamValue::Number(x) if x.fract() == 0.0 && *x >= min as f64 && *x <= max as f64 => {
            Ok(*x as u64)
        }
        ParamValue::Number(x) => Err((format!("{x} is not allowed"), allowed)),
        ParamValue::Dist(_) => Err(("this field cannot be a distribution".into(), allowed)),
    }
}

#[cfg(test)]
mod tests {
    use super::closest_path;

    #[test]
    fn suggestions_match_part_by_part() {
        let paths = [
            "client.tiktok_bytedance.churn.probability",
            "client.intuit.churn.probability",
            "subscription.microsoft_365_copilot.annual_growth",
        ];
        let best = |p| closest_path(p, paths.iter().copied());
        assert_eq!(best("client.tiktok.churn.probability"), Some(paths[0]));
        assert_eq!(best("client.intuit.churn.probabilty"), Some(paths[1]));
        assert_eq!(
            best("subscription.microsoft_365_copilot.growth"),
            Some(paths[2])
        );
        assert_eq!(best("nothing.like.this"), None);
    }
}
