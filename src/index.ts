import { app } from './app'
import { resolveConfig, type Env } from './config'
import { getTenant } from './db/tenants'
import { signChainHeads } from './unmark/anchors'
import { MIN_RETENTION_DAYS } from './label/rules'
import { enforceRetention } from './unmark/log'

export { UnmarkLog } from './unmark/log-object'

export default {
  fetch: app.fetch,

  /**
   * Cron: delivery-log retention, then the signed anchors (after pruning, so each anchor
   * records the chain's new start). The trigger's own time is "now", so tests can set it.
   */
  async scheduled(controller, env) {
    const now = new Date(controller.scheduledTime)
    const retentionDays = async (tenantId: string) => (await getTenant(env.DB, tenantId))?.unmark.retentionDays ?? MIN_RETENTION_DAYS
    const results = await enforceRetention(env.DB, retentionDays, now)
    for (const { tenantId, deleted } of results) console.log(`unmark log retention: ${tenantId}: deleted ${deleted} rows`)
    for (const { tenantId, seq } of await signChainHeads(env, resolveConfig(env), now)) console.log(`unmark log anchor: ${tenantId}: signed seq ${seq}`)
  },
} satisfies ExportedHandler<Env>
