import type { Env, GatewayConfig } from '../config'
import type { ResolvedTenant } from '../tenant/service'

export interface AppEnv {
  Bindings: Env
  Variables: { config: GatewayConfig; tenant: ResolvedTenant }
}
