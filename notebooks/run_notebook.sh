#!/usr/bin/env bash
# Builds the data the tour notebook reads and executes the notebook headless:
#   1. a small synthetic sample (bin/roi-features generate-sample), unless it is already there;
#   2. proposals = the sample's CSV plus a few deliberately bad ones (so there are rejects);
#   3. the job three times on the same maps and proposals: roi_align and roi_pool on level p5,
#      multiscale_roi_align on all levels;
#   4. `inspect --export-npy` of the outputs and of the rejects (Debian has no Parquet reader);
#   5. jupyter nbconvert --execute, then a check that the result has pictures and no errors.
# Data goes to $ROI_NOTEBOOK_DATA (default notebooks/data, gitignored). Needs the Debian packages
# python3-nbconvert python3-ipykernel python3-matplotlib python3-numpy and a JDK 17; builds the jar
# through bin/roi-features on first use. $PYTHON picks the interpreter (default /usr/bin/python3,
# the one Debian's packages are installed for).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nb_dir="$root/notebooks"
data=$(mkdir -p "${ROI_NOTEBOOK_DATA:-$nb_dir/data}" && cd "${ROI_NOTEBOOK_DATA:-$nb_dir/data}" && pwd)
py=${PYTHON:-/usr/bin/python3}
roi="$root/bin/roi-features"
# Two local cores and a small heap are plenty for this sample. The JVMs are short-lived and the data
# tiny: 2 shuffle partitions instead of 200, no whole-stage code generation, C1 JIT only, no UI.
master=${ROI_NOTEBOOK_MASTER:-local[2]}
export JAVA_OPTS="${JAVA_OPTS:--Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -Dspark.sql.shuffle.partitions=2 -Dspark.default.parallelism=2 -Dspark.ui.enabled=false \
  -Dspark.sql.codegen.wholeStage=false}"
start=$SECONDS

step() { echo "== [notebook $((SECONDS - start))s] $*"; }

step "checking python: $py"
if ! "$py" -c 'import numpy, matplotlib, nbconvert, ipykernel' 2>/dev/null; then
  echo "run_notebook.sh: $py lacks numpy/matplotlib/nbconvert/ipykernel; install the Debian packages:" >&2
  echo "  apt-get install -y python3-nbconvert python3-ipykernel python3-matplotlib python3-numpy" >&2
  exit 1
fi

sample="$data/sample"
if [ -d "$sample/maps_npy" ] && [ -d "$sample/proposals_csv" ]; then
  step "using existing sample data in $sample"
else
  step "generating a small sample in $sample"
  rm -rf "$sample"
  "$roi" generate-sample --master "$master" --out "$sample" --images 6 --levels 3 --channels 16 \
    --min-rois 20 --max-rois 60 --seed 7
fi

step "proposals: the sample's CSV plus deliberately bad ones (-> rejects)"
proposals="$data/proposals"
rm -rf "$proposals" && mkdir -p "$proposals"
cp "$sample"/proposals_csv/part-*.csv "$proposals/"
# Same header as the sample's CSV. Bad on purpose: an image without maps, non-finite coordinates,
# an unparsable number, a missing image id.
cat > "$proposals/zz-bad.csv" <<'CSV'
image_id,x1,y1,x2,y2,score,label
img_9999,10,10,100,80,0.9,1
img_9999,50,40,200,160,0.8,2
img_9998,0,0,64,64,0.7,3
img_0001,NaN,20,120,90,0.6,4
img_0002,30,20,Infinity,90,0.5,5
img_0003,12,abc,50,60,0.4,6
,10,10,40,40,0.3,7
CSV

run_op() { # name op [extra options...]
  local name=$1 op=$2
  shift 2
  step "running the job: op $op -> $data/out/$name"
  "$roi" run --master "$master" --maps.path "$sample/maps_npy" --proposals.path "$proposals" \
    --proposals.format csv --op "$op" --output.path "$data/out/$name" \
    --output.rejects.path "$data/out/${name}_rejects" --output.mode overwrite "$@"
}
run_op roi_align roi_align --level p5 --aligned true
run_op roi_pool roi_pool --level p5
# The sample images are 384x512, about half a COCO image: halve the canonical box size so the
# boxes spread over p3..p5 (torchvision default 224 would put nearly all of them on p3).
run_op multiscale multiscale_roi_align --canonical.scale 112 --aligned true

rm -rf "$data/export"
step "exporting the three outputs and the rejects with inspect -> $data/export"
"$roi" inspect "$data/out/roi_align" "$data/out/roi_pool" "$data/out/multiscale" \
  "$data/out/roi_align_rejects" --master "$master" --rows 1 --export-npy "$data/export"

executed="$data/roi_features_tour.executed.ipynb"
step "executing the notebook -> $executed"
ROI_NOTEBOOK_DATA="$data" "$py" -m nbconvert --to notebook --execute \
  --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.kernel_name=python3 \
  --output-dir "$data" --output "$(basename "$executed")" "$nb_dir/roi_features_tour.ipynb"

step "checking the executed notebook"
"$py" - "$executed" <<'PY'
import json, sys
path = sys.argv[1]
nb = json.load(open(path))
pngs, errors = 0, []
for i, cell in enumerate(nb["cells"]):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
        elif out.get("output_type") == "stream" and out.get("name") == "stderr":
            text = "".join(out.get("text", ""))
            if "Traceback" in text or "Error" in text:
                errors.append(f"cell {i}: stderr: {text.strip()[:300]}")
        if "image/png" in out.get("data", {}):
            pngs += 1
if errors:
    sys.exit("run_notebook.sh: the executed notebook has errors:\n  " + "\n  ".join(errors))
if pngs < 4:
    sys.exit(f"run_notebook.sh: expected at least 4 image/png outputs in {path}, found {pngs}")
print(f"notebook OK: {pngs} figures, no errors ({path})")
PY
step "done in $((SECONDS - start))s"
