// A number as keyloss's stored records carry it. JSON.stringify writes NaN and ±Infinity as null, so a number field
// that held one reads back as null: that is the record keyloss wrote, not a malformed one, and it reads as NaN again
// (as near to what was written as JSON allows) instead of costing the whole investigation.
import { z } from 'zod';

export const JsonNumber: z.ZodType<number, number | null> = z.union([z.number(), z.null().transform(() => Number.NaN)]);
