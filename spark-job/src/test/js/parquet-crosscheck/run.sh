#!/usr/bin/env bash
# Cross-check of the job's Parquet writer with a reader outside the JVM: runs the job on SAMPLE_DIR
# (a generate-sample directory) once with its own writer and once with Spark's, per vector format and
# codec, partitioned by level, and compares both outputs row by row with hyparquet (npm), and a few
# rows of each with core-ops' vectors of their INPUT boxes (ExpectedVectors.java). Usage: run.sh SAMPLE_DIR WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
sample=$1
work=$2
mkdir -p "$work"
# The packages pinned in package-lock.json: with npm when there is one, else straight from the npm
# registry (Debian's nodejs comes without npm), checked against the lock file's sha512 integrity.
if [ ! -d "$here/node_modules/hyparquet" ]; then
  if command -v npm >/dev/null; then
    (cd "$here" && npm ci --no-audit --no-fund --silent)
  else
    /usr/bin/python3 - "$here" <<'PY'
import base64, hashlib, io, json, sys, tarfile, urllib.request
here = sys.argv[1]
lock = json.load(open(f"{here}/package-lock.json"))
for key, p in lock["packages"].items():
    if not key.startswith("node_modules/"):
        continue
    name = key[len("node_modules/"):]
    url = f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{p['version']}.tgz"
    data = urllib.request.urlopen(url, timeout=60).read()
    algo, digest = p["integrity"].split("-", 1)
    if base64.b64encode(hashlib.new(algo, data).digest()).decode() != digest:
        sys.exit(f"{url}: integrity mismatch")
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t.getmembers():
            if m.name.startswith("package/") and (m.isfile() or m.isdir()):
                m.name = f"node_modules/{name}/" + m.name[len("package/"):]
                t.extract(m, here)
    print(f"fetched {name} {p['version']}")
PY
  fi
fi
# Expected vectors of a few proposals, computed by core-ops from the INPUT boxes and maps (a single
# Java source file on the fat jar, which bin/roi-features builds on first use).
"$root/bin/roi-features" --help >/dev/null 2>&1 || true
jar=$(ls "$root"/spark-job/target/spark-job-*-all.jar | head -1)
java -cp "$jar" "$here/ExpectedVectors.java" "$sample" "$work/expected.json"
# vector format / codec: binary vectors with three codecs, array<float> vectors with snappy
for run in binary/snappy binary/none binary/zstd array/snappy; do
  format=${run%/*}
  codec=${run#*/}
  for writer in roi-features spark; do
    out="$work/${writer}_${format}_$codec"
    "$root/bin/roi-features" run --master 'local[2]' --maps.path "$sample/maps_parquet" \
      --proposals.path "$sample/proposals_parquet" --op multiscale_roi_align \
      --output.partition.by level --output.vector.format "$format" --output.compression "$codec" \
      --output.writer "$writer" --output.mode overwrite --output.path "$out" >"$out.log" 2>&1 \
      || { echo "job failed, see $out.log"; exit 1; }
  done
  echo -n "== parquet cross-check ($format, $codec): "
  node "$here/compare.mjs" "$work/roi-features_${format}_$codec" "$work/spark_${format}_$codec" \
    "$work/expected.json"
done
