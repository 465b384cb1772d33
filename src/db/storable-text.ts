/**
 * Text PostgreSQL (and TarsPay) can carry: PostgreSQL's text and jsonb refuse NUL (U+0000), and a
 * lone UTF-16 surrogate has no UTF-8 form (Node would silently send U+FFFD in its place).
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

export const UNSTORABLE_TEXT_MESSAGE = 'contains a NUL character or a lone surrogate, which cannot be stored or sent to TarsPay: remove it';
