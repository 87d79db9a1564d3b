// Reads two Parquet outputs of the job with hyparquet (a Parquet reader written in JavaScript,
// independent of Spark and parquet-mr) and fails unless they hold the same rows, column by column,
// byte for byte. Usage: node compare.mjs DIR_A DIR_B
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

const [a, b] = process.argv.slice(2)
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
process.exit(differences === 0 ? 0 : 1)
