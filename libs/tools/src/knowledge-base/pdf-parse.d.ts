// pdf-parse's main module runs a debug self-test when loaded without a parent module: import its library file.
declare module 'pdf-parse/lib/pdf-parse.js' {
  import type PdfParse from 'pdf-parse';
  const pdfParse: typeof PdfParse;
  export = pdfParse;
}
