import { builder } from './builder.js';
import { ERROR_CODES, type UserErrorDetail } from './business-errors.js';

const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description: 'What went wrong: the codes of `userErrors` and of top-level errors (`extensions.code`)',
  values: Object.fromEntries(Object.entries(ERROR_CODES).map(([code, description]) => [code, { description }])),
});

export const UserErrorRef = builder.objectRef<UserErrorDetail>('UserError').implement({
  description: 'A business error: the request was understood but not carried out (or only partly, see the payload).',
  fields: (t) => ({
    field: t.stringList({ nullable: true, description: 'Path to the input field at fault, e.g. ["input", "amount"]', resolve: (error) => error.field ?? null }),
    code: t.field({ type: UserErrorCodeEnum, resolve: (error) => error.code }),
    message: t.exposeString('message'),
    upstreamCode: t.int({
      nullable: true,
      description: "TarsPay's error code, when TarsPay answered with one",
      resolve: (error) => error.upstreamCode ?? null,
    }),
  }),
});
