import type { Context } from 'hono'
import type { Env, GatewayConfig } from '../config'
import type { ResolvedTenant } from '../tenant/service'
import type { RequestInfo } from '../unmark/grants'

export interface AppEnv {
  Bindings: Env
  /** `route`: the route table's pattern for the request log, once the table resolved it. */
  Variables: { config: GatewayConfig; tenant: ResolvedTenant; requestId: string; route?: string }
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
