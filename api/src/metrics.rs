//! Every API metric, declared in one place with its name, help and unit, served on
//! `/metrics` in Prometheus text format. Labels have low cardinality: the method, the
//! route template (`/v1/contacts/{id}`, never an id) and the status code.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::state::AppState;

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LookupLabels {
    source: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event_type: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The API's metrics (one set per server, so tests running several servers in one
/// process each see their own).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: HistogramFamily,
    in_flight: Gauge,
    events_sent: Family<EventLabels, Counter>,
    events_unsent: Family<EventLabels, Counter>,
    intake_accepted: Counter,
    intake_refused: Counter,
    key_lookups: Family<LookupLabels, Counter>,
    key_changes_listening: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh set, registered under the prefix `tally_api`.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tally_api");
        let requests = Family::<RequestLabels, Counter>::default();
        let duration: HistogramFamily = Family::new_with_constructor(|| {
            // 1 ms to ~33 s.
            Histogram::new(exponential_buckets(0.001, 2.0, 16))
        });
        let in_flight = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from receiving a request to its response, by method and route template",
            Unit::Seconds,
            duration.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "Requests being handled now",
            in_flight.clone(),
        );
        let events_sent = Family::<EventLabels, Counter>::default();
        registry.register(
            "events_produced",
            "Landing-page events the broker acknowledged, by event type",
            events_sent.clone(),
        );
        let events_unsent = Family::<EventLabels, Counter>::default();
        registry.register(
            "events_unsent",
            "Landing-page events the broker did not acknowledge (the rows they stand for are stored), by event type",
            events_unsent.clone(),
        );
        let intake_accepted = Counter::default();
        registry.register(
            "intake_events_accepted",
            "Records of POST /v1/events the broker acknowledged",
            intake_accepted.clone(),
        );
        let intake_refused = Counter::default();
        registry.register(
            "intake_events_refused",
            "Records of POST /v1/events refused (answered by position, never produced)",
            intake_refused.clone(),
        );
        let key_lookups = Family::<LookupLabels, Counter>::default();
        registry.register(
            "key_lookups",
            "API keys presented, by where they were found: memory (authenticated lately on this replica) or database",
            key_lookups.clone(),
        );
        let key_changes_listening = Gauge::default();
        registry.register(
            "key_changes_listening",
            "1 while this replica hears of API key changes (and so keeps authenticated keys in memory), 0 otherwise",
            key_changes_listening.clone(),
        );
        Metrics {
            registry,
            key_lookups,
            key_changes_listening,
            intake_accepted,
            intake_refused,
            requests,
            duration,
            in_flight,
            events_sent,
            events_unsent,
        }
    }

    /// Counts an event the broker acknowledged.
    pub(crate) fn event_sent(&self, event_type: &str) {
        self.events_sent
            .get_or_create(&EventLabels {
                event_type: event_type.to_owned(),
            })
            .inc();
    }

    /// Counts an event the broker did not acknowledge.
    pub(crate) fn event_unsent(&self, event_type: &str) {
        self.events_unsent
            .get_or_create(&EventLabels {
                event_type: event_type.to_owned(),
            })
            .inc();
    }

    /// Counts an intake request's accepted and refused records.
    pub(crate) fn intake(&self, accepted: usize, refused: usize) {
        self.intake_accepted.inc_by(accepted as u64);
        self.intake_refused.inc_by(refused as u64);
    }

    /// Counts a presented key, found in memory or looked up in the database.
    pub(crate) fn key_lookup(&self, in_memory: bool) {
        let source = if in_memory { "memory" } else { "database" };
        self.key_lookups
            .get_or_create(&LookupLabels { source })
            .inc();
    }

    /// The gauge of whether key changes are heard, set by the key cache.
    pub(crate) fn key_changes_listening(&self) -> Gauge {
        self.key_changes_listening.clone()
    }

    /// Every metric in the Prometheus text format 0.0.4, the Content-Type `/metrics`
    /// declares (prometheus-client alone writes OpenMetrics, which that format's parsers
    /// refuse).
    pub fn encode(&self) -> String {
        telemetry::encode(&self.registry, telemetry::Format::Prometheus)
    }
}

/// Middleware: counts, times and gauges every request by its route template.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let metrics = state.metrics();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let in_flight = InFlight::enter(&metrics.in_flight);
    let started = Instant::now();
    let response = next.run(request).await;
    drop(in_flight);
    if response
        .extensions()
        .get::<crate::error::StaleStatements>()
        .is_some()
    {
        state.pool().manager().statement_caches.clear();
    }
    metrics
        .duration
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// One request in the in-flight gauge, left on drop (also when the client goes away
/// and the request's future is dropped).
struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a Gauge) -> InFlight<'a> {
        gauge.inc();
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}
