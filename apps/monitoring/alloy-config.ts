/**
 * The `app` label of Loki streams of Kubernetes events: eventrouter's, as the documents query it
 * (`{app="eventrouter"}`), and so `{app=~".+"}` still finds every stream.
 */
export const EVENTS_APP_LABEL = 'eventrouter';

/** The `job` label of those streams (Alloy's `job_name`). */
export const EVENTS_JOB_LABEL = 'kubernetes-events';

/**
 * The Alloy pipeline: container logs of the pods on this node, read from `/var/log/pods`, and the
 * cluster's Kubernetes events, both pushed to Loki. Streams are labelled `namespace`, `pod`,
 * `container`, `container_name` (the same, under Promtail's name) and `app`
 * (`app.kubernetes.io/name`, else the `app` label, else the container), so the documents' queries
 * such as `{app="helm-controller"}` and `{container_name="hydra"}` keep working.
 *
 * The text goes through Helm's `tpl` and Flux substitution, so it must hold neither `{{` nor `${`.
 */
export function alloyConfig(lokiPushUrl: string): string {
  return `// Pods on this node (the chart sets HOSTNAME to the node name).
discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  // Promtail's name for it, which the documents' queries use.
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container_name"
  }
  // The first non-empty of the three.
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app", "__meta_kubernetes_pod_container_name"]
    regex         = "^;*([^;]+).*$"
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    replacement   = "/var/log/pods/*$1/*.log"
    target_label  = "__path__"
  }
}

local.file_match "pods" {
  path_targets = discovery.relabel.pods.output
}

loki.source.file "pods" {
  targets    = local.file_match.pods.targets
  forward_to = [loki.process.pods.receiver]
}

loki.process "pods" {
  stage.cri {}
  // One stream per container, not per log file.
  stage.label_drop {
    values = ["filename"]
  }
  forward_to = [loki.write.loki.receiver]
}

// Kubernetes events of all namespaces (replaces eventrouter).
loki.source.kubernetes_events "events" {
  job_name   = "${EVENTS_JOB_LABEL}"
  forward_to = [loki.process.events.receiver]
}

loki.process "events" {
  stage.static_labels {
    values = { app = "${EVENTS_APP_LABEL}" }
  }
  forward_to = [loki.write.loki.receiver]
}

loki.write "loki" {
  endpoint {
    url = "${lokiPushUrl}"
  }
}
`;
}
