// Text that people type, as every edge schema accepts it: one rule, applied
// once here, so no control character reaches a handler or PostgreSQL (which
// refuses U+0000 in text with SQLSTATE 22021 and would answer 500).
import { z } from 'zod';
import type { MessageKey } from '../i18n/messages.ts';

/** The catalogue key of the refusal; pages show it translated, the API in English. */
export const controlCharactersMessage = 'issue.controlCharacters' satisfies MessageKey;

/** No C0 control (U+0000–U+001F), no DEL (U+007F), no C1 control (U+0080–U+009F). */
// eslint-disable-next-line no-control-regex -- it names the control characters in order to refuse them
const oneLine = /^[^\u0000-\u001F\u007F-\u009F]*$/;
/** The same, but tab, line feed and carriage return are allowed. */
// eslint-disable-next-line no-control-regex -- it names the control characters in order to refuse them
const severalLines = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$/;
/** Half of a surrogate pair (invalid UTF-16: JSON can carry it, UTF-8 cannot store it). */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface TextOptions {
  /** allow \t, \n and \r (notes, descriptions); one-line fields refuse them */
  multiline?: boolean;
  /** the message when the value is missing or not a string */
  error?: MessageKey;
}

/**
 * A string that holds no control character and no broken UTF-16. Every free
 * text field of an edge schema starts here; chain .trim(), .min(), .max() on it.
 */
export function text(options: TextOptions = {}) {
  return z
    .string(options.error ? { error: options.error } : undefined)
    .regex(options.multiline ? severalLines : oneLine, controlCharactersMessage)
    .refine((value) => !loneSurrogate.test(value), controlCharactersMessage);
}

/** An e-mail address: the same rule about characters, then the address format. */
export function emailAddress(error: MessageKey) {
  return z
    .email({ error })
    .max(254, 'issue.tooLong')
    .regex(oneLine, controlCharactersMessage)
    .refine((value) => !loneSurrogate.test(value), controlCharactersMessage);
}
