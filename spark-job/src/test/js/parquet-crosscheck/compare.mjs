// Reads two Parquet outputs of the job with hyparquet (a Parquet reader written in JavaScript,
// independent of Spark and parquet-mr) and fails unless they hold the same rows, column by column,
// byte for byte. With EXPECTED.json (ExpectedVectors.java: core-ops' vectors of a few INPUT
// proposals, as float32 bits), both outputs must also hold those rows with exactly those vectors and
// the input's box, score, label and level: the writers agreeing with each other is not enough.
// Usage: node compare.mjs DIR_A DIR_B [EXPECTED.json]
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import fs from 'fs'
import path from 'path'

function parquetFiles(dir) {
  const out = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...parquetFiles(p))
    else if (e.name.endsWith('.parquet')) out.push(p)
  }
  return out.sort()
}

// Rows of every part file, with Hive partition values (dir=value) as columns, sorted by key.
async function rowsOf(dir) {
  const rows = []
  for (const f of parquetFiles(dir)) {
    const buf = fs.readFileSync(f)
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)
    const partition = {}
    for (const m of path.relative(dir, f).matchAll(/([^/=]+)=([^/]+)\//g)) partition[m[1]] = m[2]
    for (const r of await parquetReadObjects({ file, compressors, utf8: false })) {
      rows.push({ ...r, ...partition })
    }
  }
  const key = r => `${Buffer.from(r.image_id)}/${r.roi_id}`
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
  return rows
}

function text(v) {
  if (v instanceof Uint8Array) return 'bytes:' + Buffer.from(v).toString('base64')
  if (typeof v === 'bigint') return 'bigint:' + v
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN'
  if (Object.is(v, -0)) return '-0'
  return JSON.stringify(v)
}

const [a, b, expectedFile] = process.argv.slice(2)
const ra = await rowsOf(a)
const rb = await rowsOf(b)
let differences = 0
if (ra.length !== rb.length || ra.length === 0) {
  console.error(`row counts: ${ra.length} in ${a}, ${rb.length} in ${b}`)
  process.exit(1)
}
const columns = Object.keys(rb[0])
for (let i = 0; i < rb.length; i++) {
  for (const c of new Set([...columns, ...Object.keys(ra[i])])) {
    if (text(ra[i][c]) !== text(rb[i][c])) {
      if (differences++ < 10) {
        console.error(`row ${i} column ${c}: ${text(ra[i][c]).slice(0, 80)} vs ${text(rb[i][c]).slice(0, 80)}`)
      }
    }
  }
}
console.log(`${ra.length} rows, columns ${columns.join(',')}: ${differences} differences`)

// The decoded vector of a row as float32 bit patterns: binary (float32 little-endian) or array<float>.
function bits(features) {
  if (features instanceof Uint8Array) {
    if (features.byteLength % 4 !== 0) throw new Error(`binary vector of ${features.byteLength} bytes`)
    const copy = new Uint8Array(features) // aligned
    return Array.from(new Uint32Array(copy.buffer, 0, copy.byteLength / 4), u => u | 0)
  }
  if (Array.isArray(features)) {
    const f = Float32Array.from(features)
    for (let i = 0; i < f.length; i++) {
      if (f[i] !== features[i] && !(Number.isNaN(f[i]) && Number.isNaN(features[i]))) {
        throw new Error(`array element ${i} = ${features[i]} is not a float32`)
      }
    }
    return Array.from(new Int32Array(f.buffer))
  }
  throw new Error(`unknown vector cell ${typeof features}`)
}

let mismatches = 0
if (expectedFile) {
  const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')).rows
  if (expected.length === 0) {
    console.error(`no expected rows in ${expectedFile}`)
    process.exit(1)
  }
  const key = r => `${Buffer.from(r.image_id)}/${r.roi_id}`
  for (const [dir, rows] of [[a, ra], [b, rb]]) {
    const byKey = new Map(rows.map(r => [key(r), r]))
    for (const e of expected) {
      const k = `${e.image_id}/${e.roi_id}`
      const r = byKey.get(k)
      const problems = []
      if (!r) {
        problems.push('row missing')
      } else {
        for (const c of ['x1', 'y1', 'x2', 'y2', 'score', 'label']) {
          if (r[c] !== e[c]) problems.push(`${c} ${r[c]} vs input ${e[c]}`)
        }
        const level = r.level instanceof Uint8Array ? Buffer.from(r.level).toString() : r.level
        if (level !== e.level) problems.push(`level ${level} vs ${e.level}`)
        const got = bits(r.features)
        if (got.length !== e.bits.length) {
          problems.push(`vector length ${got.length} vs ${e.bits.length}`)
        } else {
          const i = got.findIndex((v, j) => v !== e.bits[j])
          if (i >= 0) {
            const f = x => new Float32Array(new Int32Array([x]).buffer)[0]
            problems.push(`vector element ${i}: ${f(got[i])} vs core-ops ${f(e.bits[i])}`)
          }
        }
      }
      if (problems.length > 0 && mismatches++ < 10) console.error(`${dir} ${k}: ${problems.join('; ')}`)
    }
  }
  console.log(`  vs core-ops on the input boxes: ${expected.length} rows in each output, ${mismatches} mismatches`)
}
process.exit(differences === 0 && mismatches === 0 ? 0 : 1)
