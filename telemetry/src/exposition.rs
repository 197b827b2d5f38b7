//! A registry as text. prometheus-client writes OpenMetrics only; the classic Prometheus
//! text format (0.0.4) differs in what a counter's family is called (`x_total`, where
//! OpenMetrics names the family `x`), has no `# UNIT` lines and no `# EOF`. Parsers of
//! the classic format (`promtool check metrics`, older scrapers) reject the OpenMetrics
//! form: a counter's samples would belong to a family without help or type.

use std::collections::HashMap;

use prometheus_client::registry::Registry;

/// A text exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0 text, what Prometheus asks for first.
    OpenMetrics,
    /// The classic Prometheus text format 0.0.4.
    Prometheus,
}

impl Format {
    /// The format an `Accept` header asks for: OpenMetrics when it names it (Prometheus
    /// does), the classic format otherwise (curl, promtool, no header).
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(accept) if accept.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }

    /// The `Content-Type` of a body in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// Every metric of `registry`, as text in `format`.
pub fn encode(registry: &Registry, format: Format) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, registry);
    match format {
        Format::OpenMetrics => text,
        Format::Prometheus => classic(&text),
    }
}

/// The classic form of prometheus-client's OpenMetrics output. Sample lines are the same
/// in both (the exemplars that would differ are not used in tally); metadata lines are
/// renamed after the samples they describe.
fn classic(openmetrics: &str) -> String {
    // A family's HELP comes before its TYPE: read every type first.
    let types: HashMap<&str, &str> = openmetrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.split_once(' '))
        .collect();
    let family = |name: &str| match types.get(name).copied() {
        Some("counter") => format!("{name}_total"),
        Some("info") => format!("{name}_info"),
        _ => name.to_owned(),
    };
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some((name, help)) = line.strip_prefix("# HELP ").and_then(|l| l.split_once(' ')) {
            out.push_str(&format!("# HELP {} {help}\n", family(name)));
        } else if let Some((name, kind)) =
            line.strip_prefix("# TYPE ").and_then(|l| l.split_once(' '))
        {
            let kind = match kind {
                "counter" | "gauge" | "histogram" | "summary" => kind,
                // An info metric is a gauge of 1 with labels in the classic format.
                "info" => "gauge",
                _ => "untyped",
            };
            out.push_str(&format!("# TYPE {} {kind}\n", family(name)));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::EncodeLabelSet;
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family;
    use prometheus_client::metrics::gauge::Gauge;
    use prometheus_client::metrics::histogram::Histogram;
    use prometheus_client::registry::Unit;

    use super::*;

    #[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct Labels {
        reason: String,
    }

    fn registry() -> Registry {
        let mut registry = Registry::with_prefix("tally_test");
        let counter = Counter::<u64>::default();
        counter.inc_by(3);
        registry.register("records", "Records read", counter);
        let family = Family::<Labels, Counter>::default();
        family
            .get_or_create(&Labels {
                reason: "bad_json".into(),
            })
            .inc();
        registry.register("dead_letters", "Records refused, by reason", family);
        let gauge = Gauge::<i64>::default();
        gauge.set(-2);
        registry.register("lag", "Records behind", gauge);
        let histogram = Histogram::new([0.5, 1.0]);
        histogram.observe(0.7);
        registry.register_with_unit("copy", "Time to copy", Unit::Seconds, histogram);
        registry
    }

    #[test]
    fn the_classic_format_names_counter_families_after_their_samples_without_unit_or_eof() {
        let text = encode(&registry(), Format::Prometheus);
        assert_eq!(
            text,
            "# HELP tally_test_records_total Records read.\n\
             # TYPE tally_test_records_total counter\n\
             tally_test_records_total 3\n\
             # HELP tally_test_dead_letters_total Records refused, by reason.\n\
             # TYPE tally_test_dead_letters_total counter\n\
             tally_test_dead_letters_total{reason=\"bad_json\"} 1\n\
             # HELP tally_test_lag Records behind.\n\
             # TYPE tally_test_lag gauge\n\
             tally_test_lag -2\n\
             # HELP tally_test_copy_seconds Time to copy.\n\
             # TYPE tally_test_copy_seconds histogram\n\
             tally_test_copy_seconds_sum 0.7\n\
             tally_test_copy_seconds_count 1\n\
             tally_test_copy_seconds_bucket{le=\"0.5\"} 0\n\
             tally_test_copy_seconds_bucket{le=\"1.0\"} 1\n\
             tally_test_copy_seconds_bucket{le=\"+Inf\"} 1\n"
        );
    }

    #[test]
    fn openmetrics_is_prometheus_clients_own_output() {
        let text = encode(&registry(), Format::OpenMetrics);
        assert!(
            text.contains("# TYPE tally_test_records counter\n"),
            "{text}"
        );
        assert!(
            text.contains("# UNIT tally_test_copy_seconds seconds\n"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn prometheus_gets_openmetrics_and_anyone_else_the_classic_format() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Prometheus);
        assert_eq!(Format::negotiate(None), Format::Prometheus);
    }
}
