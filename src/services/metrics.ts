// Counters and a latency histogram for /metrics, rendered in the Prometheus text format by hand (a few series do not
// justify a client library). Labels are route patterns, never raw URLs, so the number of series stays bounded.

const BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export interface GaugeSnapshot {
  queueDepth: number;
  queueSize: number;
  workersBusy: number;
  workersReady: number;
  workers: number;
  analysesCached: number;
}

export interface Metrics {
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  countFaces(faces: number): void;
  render(gauges: GaugeSnapshot): string;
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  const latency = new Map<string, Histogram>();
  let facesFound = 0;
  let imagesAnalysed = 0;

  return {
    observeRequest(route, method, status, seconds) {
      const key = `route="${escapeLabel(route)}",method="${escapeLabel(method)}",status="${status}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const histKey = `route="${escapeLabel(route)}"`;
      const hist = latency.get(histKey) ?? { counts: BUCKETS_S.map(() => 0), sum: 0, count: 0 };
      BUCKETS_S.forEach((bound, i) => {
        if (seconds <= bound) hist.counts[i] = (hist.counts[i] ?? 0) + 1;
      });
      hist.sum += seconds;
      hist.count += 1;
      latency.set(histKey, hist);
    },
    countFaces(faces) {
      facesFound += faces;
      imagesAnalysed += 1;
    },
    render(g) {
      const lines: string[] = [
        '# HELP visage_http_requests_total HTTP requests answered, by route pattern, method and status.',
        '# TYPE visage_http_requests_total counter',
        ...[...requests].map(([labels, n]) => `visage_http_requests_total{${labels}} ${n}`),
        '# HELP visage_http_request_duration_seconds Time from request to response, by route pattern.',
        '# TYPE visage_http_request_duration_seconds histogram',
      ];
      for (const [labels, hist] of latency) {
        BUCKETS_S.forEach((bound, i) => lines.push(`visage_http_request_duration_seconds_bucket{${labels},le="${bound}"} ${hist.counts[i] ?? 0}`));
        lines.push(`visage_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${hist.count}`);
        lines.push(`visage_http_request_duration_seconds_sum{${labels}} ${hist.sum}`);
        lines.push(`visage_http_request_duration_seconds_count{${labels}} ${hist.count}`);
      }
      const gauge = (name: string, help: string, value: number): string[] => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`];
      lines.push(
        ...gauge('visage_queue_depth', 'Photos waiting for an inference worker.', g.queueDepth),
        ...gauge('visage_queue_capacity', 'Most photos that may wait before the server answers 503.', g.queueSize),
        ...gauge('visage_workers', 'Inference worker threads configured.', g.workers),
        ...gauge('visage_workers_ready', 'Inference workers with models loaded.', g.workersReady),
        ...gauge('visage_workers_busy', 'Inference workers analysing a photo now.', g.workersBusy),
        ...gauge('visage_analyses_cached', 'Recent analyses kept for annotated images and flags.', g.analysesCached),
        '# HELP visage_faces_found_total Faces found in analysed photos.',
        '# TYPE visage_faces_found_total counter',
        `visage_faces_found_total ${facesFound}`,
        '# HELP visage_images_analysed_total Photos analysed successfully.',
        '# TYPE visage_images_analysed_total counter',
        `visage_images_analysed_total ${imagesAnalysed}`,
      );
      return `${lines.join('\n')}\n`;
    },
  };
}
