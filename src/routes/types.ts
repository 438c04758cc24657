import type { Context } from 'hono'
import type { Env, GatewayConfig } from '../config'
import type { ResolvedTenant } from '../tenant/service'
import type { Actor } from '../unmark/audit'
import type { RequestInfo } from '../unmark/chain'

export interface AppEnv {
  Bindings: Env
  /**
   * `tenant`: set under /v1 by its key; `actor`: set under /admin by its token; `route`: the
   * route table's pattern for the request log, once the table resolved it.
   */
  Variables: { config: GatewayConfig; tenant: ResolvedTenant; actor: Actor; requestId: string; route?: string }
}

/** The request as the delivery log records it. */
export function requestInfo(c: Context<AppEnv>): RequestInfo {
  return {
    route: `${c.req.method} ${c.req.path}`,
    clientIp: c.req.header('cf-connecting-ip') ?? null,
    userAgent: c.req.header('user-agent') ?? null,
    requestId: c.get('requestId'),
  }
}
