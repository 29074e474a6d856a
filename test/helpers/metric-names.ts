const SUFFIXES = ['_bucket', '_sum', '_count'];

/** Every metric name a Prometheus text exposition serves: its samples, and the series of its histograms. */
export function servedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const typed = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typed) {
      names.add(typed[1]!);
      if (typed[2] === 'histogram' || typed[2] === 'summary') for (const s of SUFFIXES) names.add(`${typed[1]}${s}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** The Switchyard and Temporal metric names that PromQL expressions in `texts` use. */
export function metricNamesIn(texts: string[]): Set<string> {
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/\b(?:switchyard|temporal)_[a-z0-9_]+/g)) names.add(m[0]);
  return names;
}
