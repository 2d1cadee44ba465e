#!/usr/bin/env bash
# The Kubernetes manifest users apply (deploy/k8s/infer-job.yaml), checked for schema offline:
# kubeconform v0.7.0 (built from the Go module proxy) with a strict JSON schema of batch/v1 Job
# (every object closed to fields it does not define) made from the OpenAPI v3 document of the
# batch/v1 API that k8s.io/client-go v0.34.1 ships as test data (openapi/openapitest/testdata,
# also from the Go module proxy). A misspelled field and a wrong type must fail the same check.
# That the manifest runs the same zoo command line as the Slurm script is a Go test (./deploy).
set -euo pipefail
cd "$(dirname "$0")/../.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOFLAGS= GOBIN="$tmp/bin" go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
openapi=$(GOFLAGS= go mod download -json k8s.io/client-go@v0.34.1 | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')/openapi/openapitest/testdata/apis__batch__v1_openapi.json
mkdir -p "$tmp/schemas"
# kubeconform looks up {{ .ResourceKind }}{{ .KindSuffix }}.json: job-batch-v1.json.
/usr/bin/python3 - "$openapi" "$tmp/schemas/job-batch-v1.json" <<'EOF'
import json, sys
schemas = json.load(open(sys.argv[1]))["components"]["schemas"]
def close(x):
    if isinstance(x, dict):
        for v in x.values():
            close(v)
        if "$ref" in x:
            x["$ref"] = x["$ref"].replace("#/components/schemas/", "#/$defs/")
        if "properties" in x and "additionalProperties" not in x:
            x["additionalProperties"] = False  # strict: no field the API does not define
    elif isinstance(x, list):
        for v in x:
            close(v)
close(schemas)
json.dump({"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$ref": "#/$defs/io.k8s.api.batch.v1.Job", "$defs": schemas}, open(sys.argv[2], "w"))
EOF
check() {
  "$tmp/bin/kubeconform" -strict -summary -schema-location "$tmp/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$@"
}
check deploy/k8s/infer-job.yaml
sed 's/completionMode:/completionMod:/' deploy/k8s/infer-job.yaml >"$tmp/typo.yaml"
sed 's/parallelism: 8/parallelism: eight/' deploy/k8s/infer-job.yaml >"$tmp/type.yaml"
for bad in typo type; do
  if check "$tmp/$bad.yaml" >"$tmp/$bad.out" 2>&1; then
    echo "45-k8s-manifest: kubeconform passed a manifest with a $bad:" >&2
    cat "$tmp/$bad.out" >&2
    exit 1
  fi
  sed 's/^/  refused as it must: /' "$tmp/$bad.out"
done
echo "k8s-manifest: ok"
