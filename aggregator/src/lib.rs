//! Daily aggregation of events per campaign, event type and day, finality after 24 hours,
//! and the views Grafana dashboards read.
