// The metric families pushgw exports on /metrics (issue 5), with their labels.
// The dashboard, the alerts and docs/operations.md may use these names only;
// live.test.mjs checks them against a running binary's scrape.
export const METRICS = {
  pushgw_connections: { type: 'gauge', labels: ['transport'] },
  pushgw_subscribers: { type: 'gauge', labels: ['transport'] },
  pushgw_channels: { type: 'gauge', labels: [] },
  pushgw_wildcard_channels: { type: 'gauge', labels: [] },
  pushgw_stored_messages: { type: 'gauge', labels: [] },
  pushgw_stored_message_bytes: { type: 'gauge', labels: [] },
  pushgw_messages_published_total: { type: 'counter', labels: ['source'] },
  pushgw_messages_delivered_total: { type: 'counter', labels: ['transport'] },
  pushgw_bytes_sent_total: { type: 'counter', labels: [] },
  pushgw_publish_errors_total: { type: 'counter', labels: ['reason'] },
  pushgw_subscriber_disconnects_total: { type: 'counter', labels: ['reason'] },
  pushgw_slow_consumer_drops_total: { type: 'counter', labels: [] },
  pushgw_http_responses_total: { type: 'counter', labels: ['location_type', 'status_class'] },
  pushgw_grpc_calls_total: { type: 'counter', labels: ['method', 'code'] },
  pushgw_publish_to_socket_latency_seconds: { type: 'histogram', labels: [] },
  pushgw_worker_queue_depth: { type: 'gauge', labels: ['worker'] },
  pushgw_build_info: { type: 'gauge', labels: ['version', 'commit'] },
  process_open_fds: { type: 'gauge', labels: [] },
  process_max_fds: { type: 'gauge', labels: [] },
  process_resident_memory_bytes: { type: 'gauge', labels: [] },
  process_cpu_seconds_total: { type: 'counter', labels: [] },
  process_start_time_seconds: { type: 'gauge', labels: [] },
};

// The family a series name belongs to (histograms expose _bucket/_sum/_count),
// or null if pushgw does not export it.
export function familyOf(series) {
  if (METRICS[series]) return series;
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (m && METRICS[m[1]]?.type === 'histogram') return m[1];
  return null;
}

// Every pushgw_* and process_* name in a PromQL expression or a text.
export function metricNamesIn(text) {
  const names = new Set();
  for (const m of text.matchAll(/\b(pushgw_[a-z0-9_]+|process_[a-z0-9_]+)\b/g)) {
    names.add(m[1]);
  }
  return names;
}

export function unknownMetricNames(text) {
  return [...metricNamesIn(text)].filter((n) => !familyOf(n));
}
