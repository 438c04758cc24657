import { app } from './app'
import type { Env } from './config'
import { getTenant } from './db/tenants'
import { enforceRetention, MIN_RETENTION_DAYS } from './unmark/log'

export default {
  fetch: app.fetch,

  /** Cron: delivery-log retention. The trigger's own time is "now", so tests can set it. */
  async scheduled(controller, env) {
    const retentionDays = async (tenantId: string) => (await getTenant(env.DB, tenantId))?.unmark.retentionDays ?? MIN_RETENTION_DAYS
    const results = await enforceRetention(env.DB, retentionDays, new Date(controller.scheduledTime))
    for (const { tenantId, deleted } of results) console.log(`unmark log retention: ${tenantId}: deleted ${deleted} rows`)
  },
} satisfies ExportedHandler<Env>
