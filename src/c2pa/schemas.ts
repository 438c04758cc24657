/**
 * The request shapes of the C2PA signer admin API, free of storage so the routes validate
 * with them and the OpenAPI document (routes/openapi.ts) describes them.
 */
import { z } from 'zod'

/** The operator's reverse-domain namespace (`cn.example`): the TC260 assertion is `<namespace>.tc260.label`. */
const namespace = z
  .string()
  .max(100)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'a reverse domain name in lower case, e.g. "cn.example"')
const pem = z.string().min(1).max(64 * 1024)

/** The gateway generates the key and answers with a CSR for the operator's CA. */
export const c2paCsrSchema = z
  .object({
    namespace,
    subject: z
      .object({
        commonName: z.string().trim().min(1).max(64),
        organization: z.string().trim().min(1).max(64).optional(),
        country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter code').optional(),
      })
      .strict(),
  })
  .strict()

/** The chain a CA issued for the pending key's CSR, leaf first. */
export const c2paCertificateSchema = z.object({ chain: pem }).strict()

/** A key and chain made elsewhere: PKCS#8 PEM (P-256) and PEM certificates, leaf first. */
export const c2paImportSchema = z.object({ namespace, privateKey: pem, chain: pem }).strict()
