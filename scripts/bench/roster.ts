// Roster import benchmark: decode + parse + guess + check of a generated roster.
//   npx tsx scripts/bench/roster.ts [rows]      (default 100,000 rows, ~1% bad)
// Prints elapsed ms per stage, rows/s and peak RSS. Not a test: numbers depend on the machine.
import { checkRoster, decodeRoster, formatProblems, guessMapping, parseRoster } from '../../core/import/index.ts';

const rows = Number(process.argv[2] ?? 100_000);

function makeRoster(n: number): Uint8Array {
  const given = ['Zoë', 'Bob', 'Ana', 'Jürgen', 'Chloé', 'Li', 'Oluwaseun', 'Saoirse', 'Åsa', 'Mateus'];
  const family = ['Müller', 'Smith', 'García', "O'Brien", 'Nguyễn', 'Kowalski', 'Dubois', 'Rossi', 'Öztürk', 'Silva'];
  const out: string[] = ['\uFEFFFirst name;Last name;Email address;Student ID;Score;Credits;Start date;Completion date;Comments'];
  let bad = 0;
  let prevEmail = '';
  for (let i = 1; i <= n; i++) {
    const g = given[i % given.length]!;
    const f = family[(i * 7) % family.length]!;
    let email = `${g.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '')}.${i}@example.org`;
    let credits = i % 3 === 0 ? '1,5' : '2';
    let start = '2024-09-02';
    // About 1% bad rows, of several kinds.
    if (i % 100 === 0) {
      bad++;
      switch ((i / 100) % 4) {
        case 0: email = 'broken@'; break;
        case 1: credits = 'three'; break;
        case 2: start = '03/04/2024'; break;
        default: email = prevEmail.toUpperCase(); // duplicate of the previous row, differs in case
      }
    }
    prevEmail = email;
    // Some quoted values with the delimiter and with line breaks, as spreadsheets write them.
    const comment = i % 50 === 0 ? '"Great work;\r\nsee portfolio"' : i % 10 === 0 ? '"Passed; with merit"' : '';
    out.push(`${g};"${f}";${email};S${String(i).padStart(7, '0')};${(i % 100) + 0.5};${credits};${start};2024-12-20;${comment}`);
  }
  console.log(`generated ${n.toLocaleString('en')} rows (${bad} deliberately bad)`);
  return new TextEncoder().encode(out.join('\r\n') + '\r\n');
}

const bytes = makeRoster(rows);
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const decoded = decodeRoster(bytes);
const t1 = performance.now();
const parsed = parseRoster(decoded.text);
const t2 = performance.now();
const guess = guessMapping(parsed.headers);
const t3 = performance.now();
const check = checkRoster(parsed, guess.mapping, { identity: 'email' });
const t4 = performance.now();
const report = formatProblems(check.problems);
const t5 = performance.now();

const total = t5 - t0;
const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;
console.log(`file: ${mb(bytes.length)}, ${decoded.encoding}, delimiter '${parsed.delimiter}'`);
console.log(`decode ${(t1 - t0).toFixed(0)} ms · parse ${(t2 - t1).toFixed(0)} ms · guess ${(t3 - t2).toFixed(1)} ms · check ${(t4 - t3).toFixed(0)} ms · report ${(t5 - t4).toFixed(0)} ms`);
console.log(`total ${total.toFixed(0)} ms for ${parsed.records.length.toLocaleString('en')} rows = ${Math.round(parsed.records.length / (total / 1000)).toLocaleString('en')} rows/s`);
console.log(`good ${check.stats.good.toLocaleString('en')}, rejected ${check.stats.rejected}, errors ${check.stats.errors}, warnings ${check.stats.warnings}; report ${report.length} lines`);
// maxRSS is in KiB on every platform Node supports.
console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (RSS before import ${mb(rssBefore)})`);
