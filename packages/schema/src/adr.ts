import { z } from 'zod';

export const adrStatusSchema = z.enum(['proposed', 'accepted', 'rejected', 'deprecated', 'superseded']);
export type AdrStatus = z.infer<typeof adrStatusSchema>;

/** YAML turns `2026-11-24` into a Date under some loaders and leaves it a string under others: accept both. */
const isoDate = z
  .union([
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be written YYYY-MM-DD')
      // The pattern alone lets 2026-02-31 through.
      .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'date is not a day of the calendar'),
    z.date(),
  ])
  .transform((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value));

const adrRef = z.number().int().positive();

/** MADR-style frontmatter of an Architecture Decision Record. */
export const adrFrontmatterShape = {
  /** The record's number; file names start with it, zero-padded to four digits. */
  number: z.number().int().positive(),
  /** The decision, stated as a short title. */
  title: z.string().trim().min(1),
  /** Where the decision stands. A `superseded` record must name its successor. */
  status: adrStatusSchema,
  /** When the status last changed. */
  date: isoDate,
  /** Who took the decision. */
  deciders: z.array(z.string()).default([]),
  /** Who was consulted. */
  consulted: z.array(z.string()).default([]),
  /** The records this one replaces. */
  supersedes: z.union([adrRef, z.array(adrRef)]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  /** The record that replaces this one. */
  'superseded-by': adrRef.optional(),
  /** Free-form labels. */
  tags: z.array(z.string()).default([]),
  description: z.string().optional(),
} as const;

export const adrFrontmatterSchema = z.strictObject(adrFrontmatterShape).superRefine((adr, ctx) => {
  if (adr.status === 'superseded' && adr['superseded-by'] === undefined) {
    ctx.addIssue({ code: 'custom', path: ['superseded-by'], message: 'a superseded ADR must name its successor in `superseded-by`' });
  }
  if (adr.status !== 'superseded' && adr['superseded-by'] !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['status'], message: 'an ADR with `superseded-by` must have status `superseded`' });
  }
});
export type AdrFrontmatter = z.output<typeof adrFrontmatterSchema>;
