/**
 * RFC 4180 CSV, the one reader for every file the bot imports (account manager assignments, Partner Center price
 * lists): `splitRecords` turns text into records with the line each starts on; `parseCsv` adds a header row on top.
 */

/** A CSV file's structure is wrong; nothing in it may be used. `line` is 1-based, absent for the file as a whole. */
export class CsvFormatError extends Error {
  constructor(
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(line === undefined ? problem : `line ${line}: ${problem}`);
    this.name = 'CsvFormatError';
  }
}

/** One record and the 1-based line of the file it starts on (for error messages a person can act on). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface CsvRow {
  /** 1-based line where the row starts in the file. */
  line: number;
  /** Trimmed values by header name as written in the file. */
  fields: Readonly<Record<string, string>>;
}

export interface CsvTable {
  /** Trimmed column names as written in the file. */
  header: string[];
  headerLine: number;
  rows: CsvRow[];
}

export type CsvDelimiter = ',' | ';';

/**
 * Splits CSV text into records: quoted fields may hold delimiters, quotes ("") and line breaks; CRLF, LF or CR line
 * ends; an optional UTF-8 byte order mark; whitespace before an opening quote is ignored. Lines holding nothing
 * but whitespace are skipped. Fields are returned exactly as written (untrimmed).
 */
export function splitRecords(text: string, delimiter: CsvDelimiter = ','): CsvRecord[] {
  const source = text.replace(/^\uFEFF/, '');
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  // A quote or a delimiter makes a record of a line that would otherwise count as blank.
  let structured = false;
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteOpenedOn = 0;

  const endRecord = () => {
    fields.push(field);
    if (structured || field.trim() !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    structured = false;
  };

  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
        const next = source[i + 1];
        if (next !== undefined && next !== delimiter && next !== '\r' && next !== '\n') {
          throw new CsvFormatError(line, `a closing quote must end its field (found ${JSON.stringify(next)} after it)`);
        }
      } else {
        if (ch === '\n' || (ch === '\r' && source[i + 1] !== '\n')) line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field.trim() !== '') throw new CsvFormatError(line, 'a quote inside an unquoted field');
      field = '';
      quoted = true;
      quoteOpenedOn = line;
      structured = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
      structured = true;
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && source[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
    }
  }
  if (quoted) throw new CsvFormatError(quoteOpenedOn, 'a quoted field is never closed');
  endRecord();
  return records;
}

/**
 * CSV with a header row. The delimiter is a comma, or a semicolon when the header line has semicolons and no commas
 * (what Excel writes in many European locales). Column names must be non-empty and distinct (ignoring case); every
 * row must have as many fields as the header.
 */
export function parseCsv(text: string): CsvTable {
  const records = splitRecords(text, delimiterOf(text));
  const [first, ...body] = records;
  if (!first) throw new CsvFormatError(undefined, 'the file is empty; expected a header row');

  const header = first.fields.map((name) => name.trim());
  if (header.some((name) => name === '')) throw new CsvFormatError(first.line, 'the header has an empty column name');
  if (new Set(header.map((name) => name.toLowerCase())).size !== header.length) {
    throw new CsvFormatError(first.line, 'the header names a column twice');
  }

  const rows = body.map(({ line, fields }) => {
    if (fields.length !== header.length) {
      throw new CsvFormatError(line, `expected ${header.length} fields like the header, found ${fields.length}`);
    }
    return { line, fields: Object.fromEntries(header.map((name, i) => [name, fields[i].trim()])) };
  });
  return { header, headerLine: first.line, rows };
}

function delimiterOf(text: string): CsvDelimiter {
  const headerLine = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).find((line) => line.trim() !== '') ?? '';
  return headerLine.includes(';') && !headerLine.includes(',') ? ';' : ',';
}
