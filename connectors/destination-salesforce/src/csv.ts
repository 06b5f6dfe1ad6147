/**
 * CSV as Bulk API 2.0 reads and writes it: comma-delimited, LF line endings, RFC 4180 quoting. The
 * same code writes job data and reads result files, and the fake org uses it the other way round.
 */

/** Quotes a value when it holds a delimiter, a quote, a line break or edge whitespace. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** One CSV line, with its LF ending. */
export function csvLine(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}\n`
}

/** Parses a whole CSV text into rows of fields; a trailing line ending does not add an empty row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  const endField = () => {
    row.push(field)
    field = ''
  }
  const endRow = () => {
    endField()
    rows.push(row)
    row = []
  }
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        i += 1
        continue
      }
      field += ch
      i += 1
      continue
    }
    if (ch === '"' && field === '') {
      quoted = true
    } else if (ch === ',') {
      endField()
    } else if (ch === '\n' || ch === '\r') {
      endRow()
      if (ch === '\r' && text[i + 1] === '\n') i += 1
    } else {
      field += ch
    }
    i += 1
  }
  if (quoted) throw new Error('CSV ends inside a quoted field')
  if (field !== '' || row.length > 0) endRow()
  return rows
}

/** Parses CSV with a header row into objects keyed by column name. */
export function parseCsvRecords(text: string): { header: string[]; records: Record<string, string>[] } {
  const [header = [], ...rows] = parseCsv(text)
  const records = rows.map((cells) => {
    const record: Record<string, string> = {}
    header.forEach((name, i) => {
      record[name] = cells[i] ?? ''
    })
    return record
  })
  return { header, records }
}
