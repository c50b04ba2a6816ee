{{/* The release's name for the agent's objects, at most 63 characters. */}}
{{- define "mda.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selects the agent's pods; the same in the kustomize base. */}}
{{- define "mda.selectorLabels" -}}
app.kubernetes.io/name: market-data-agent
{{- end -}}

{{/* Common labels; `name` is the object's app.kubernetes.io/name. */}}
{{- define "mda.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: mdops
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}
