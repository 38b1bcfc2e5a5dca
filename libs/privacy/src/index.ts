export * from './pii-kinds';
export { NameList, MIN_NAME_TOKEN, foldWord } from './name-list';
export {
  PiiRedactor,
  redactPii,
  type KnownNames,
  type PiiRedactorOptions,
  type RedactionResult,
} from './pii-redactor';
export { isPhoneNumber, isValidIban, luhnValid } from './detectors';
export * from './interaction-log';
