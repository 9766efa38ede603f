import { CsvFormatError, parseCsv, splitRecords } from '../services/csv';

function formatError(read: () => unknown): CsvFormatError {
  try {
    read();
  } catch (error) {
    if (error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('expected a CsvFormatError');
}

describe('splitRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, naming the line each record starts on', () => {
    expect(splitRecords('a,"b, c","say ""hi""","two\nlines"\r\nx,,z')).toEqual([
      { line: 1, fields: ['a', 'b, c', 'say "hi"', 'two\nlines'] },
      { line: 3, fields: ['x', '', 'z'] },
    ]);
  });

  it('skips a byte order mark and blank lines, and handles CRLF, LF and CR line ends alike', () => {
    expect(splitRecords('\uFEFFa,b\r\n\r\n  \nc,d\re,f\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 4, fields: ['c', 'd'] },
      { line: 5, fields: ['e', 'f'] },
    ]);
  });

  it('keeps a line that holds only an empty quoted field or delimiters', () => {
    expect(splitRecords('a,b\n""\n,\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: [''] },
      { line: 3, fields: ['', ''] },
    ]);
  });

  it('splits on semicolons when asked, leaving commas in the fields', () => {
    expect(splitRecords('a;"b;c";d,e', ';')).toEqual([{ line: 1, fields: ['a', 'b;c', 'd,e'] }]);
  });

  it.each([
    ['a quote in the middle of a field', 'a,b\nc,d"e', 2, 'a quote inside an unquoted field'],
    ['text after a closing quote', 'a,b\n\n"c"x,d', 3, 'a closing quote must end its field (found "x" after it)'],
    ['an unclosed quote, named by the line it opens on', 'a,b\n"c,\nd\ne', 2, 'a quoted field is never closed'],
  ])('refuses %s', (_case, text, line, problem) => {
    const error = formatError(() => splitRecords(text));
    expect(error).toMatchObject({ line, problem, message: `line ${line}: ${problem}` });
  });
});

describe('parseCsv', () => {
  it('reads a header and rows by column name: quoted commas, quotes and line breaks, CRLF, a BOM, trimmed values', () => {
    expect(parseCsv('\uFEFFcustomerName, accountManager\r\n"Fabrikam, Inc.","a@b"\r\n\r\n"Say ""hi""\nthere", x@y \r\n')).toEqual({
      header: ['customerName', 'accountManager'],
      headerLine: 1,
      rows: [
        { line: 2, fields: { customerName: 'Fabrikam, Inc.', accountManager: 'a@b' } },
        { line: 4, fields: { customerName: 'Say "hi"\nthere', accountManager: 'x@y' } },
      ],
    });
  });

  it('reads semicolon files (a header with semicolons and no commas), commas in their values included', () => {
    expect(parseCsv('\n customerName;accountManager\nContoso, Ltd;m@p').rows).toEqual([{ line: 3, fields: { customerName: 'Contoso, Ltd', accountManager: 'm@p' } }]);
  });

  it('names the line where the header is, after leading blank lines', () => {
    expect(parseCsv('\r\n\r\na,b\r\n1,2\r\n')).toMatchObject({ headerLine: 3, rows: [{ line: 4 }] });
  });

  it.each([
    ['an empty file', '', undefined, 'the file is empty; expected a header row'],
    ['a file of blank lines', '\r\n  \r\n', undefined, 'the file is empty; expected a header row'],
    ['an unclosed quote', 'customerName,accountManager\n"Contoso,m@p\n', 2, 'a quoted field is never closed'],
    ['a stray quote', 'customerName,accountManager\n"Contoso"x,m@p\n', 2, 'a closing quote must end its field (found "x" after it)'],
    ['a row narrower than the header', 'customerName,accountManager\nContoso\n', 2, 'expected 2 fields like the header, found 1'],
    ['a row wider than the header', 'a,b\n1,2\n\n1,2,3\n', 4, 'expected 2 fields like the header, found 3'],
    ['a column named twice', 'customerName,CustomerName\n', 1, 'the header names a column twice'],
    ['an empty column name', '\na,,c\n', 2, 'the header has an empty column name'],
  ])('refuses %s, naming the line', (_case, text, line, problem) => {
    const error = formatError(() => parseCsv(text));
    expect(error).toMatchObject({ line, problem, message: line === undefined ? problem : `line ${line}: ${problem}` });
  });
});
